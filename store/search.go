package store

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"sync"
)

// Snippet markers: private-use characters that FTS5 puts around hits, so the text
// can be HTML-escaped first and the markers turned into <mark> after.
const (
	markOpen  = "\ue000"
	markClose = "\ue001"
)

// manyMatches is how many matching conversations make a search common: the list
// then walks conversations in order and checks each against the matches, rather than
// fetching every match's row and sorting them.
const manyMatches = 500

// searchHits runs q against the index and returns the query as run and the
// conversations that match: how many, and their ids as a JSON array (for json_each).
// The query run is q itself, or, when q is plain words FTS5 cannot parse ("gpt-4o",
// "don't"), each word quoted. A query that uses FTS5 syntax and does not parse gives
// an error wrapping ErrInvalid.
//
// The page and its count both need the matches. Evaluating the MATCH once here and
// handing the ids to both halves a search with many hits (a phrase or a prefix costs
// ~20 ms per evaluation at 100,000 conversations), and ids from the index alone are
// cheap: the rowids of search_fts and script_fts carry the conversation id in their
// high bits (0004, 0016).
func (db *DB) searchHits(ctx context.Context, q string) (match, ids string, n int, err error) {
	// Scrolling a search asks for page after page of the same query: its matches are
	// kept until the data changes. The indexes change only with messages (index.go and
	// the triggers of 0016), which are added (a new largest id) or, in a reindex,
	// deleted with their conversations (counters.changed moves).
	var v dataVersion
	if err := db.sql.QueryRowContext(ctx, `SELECT (SELECT value FROM counters WHERE name = 'changed'),
		(SELECT COALESCE(MAX(id), 0) FROM messages)`).Scan(&v.changed, &v.lastMessage); err != nil {
		return "", "", 0, fmt.Errorf("search: %w", err)
	}
	if h, ok := db.searches.get(q, v); ok {
		return h.match, h.ids, h.n, nil
	}
	match, ids, n, err = db.runSearch(ctx, q)
	if err == nil {
		// v was read before the search ran: at worst newer matches are kept under an
		// older version, never older matches under a newer one.
		db.searches.put(q, v, searchHit{match, ids, n})
	}
	return match, ids, n, err
}

// dataVersion changes whenever the search index can have changed.
type dataVersion struct{ changed, lastMessage int64 }

// runSearch is searchHits without the cache. A query in an unspaced script runs
// against script_fts, rewritten as scriptQuery says; the match returned is the
// query as run, and says by its script which index it is for (searchIndex).
func (db *DB) runSearch(ctx context.Context, q string) (match, ids string, n int, err error) {
	rewrite := func(q string) string { return q }
	if hasUnspaced(q) {
		rewrite = scriptQuery
	}
	if ids, n, err = db.matchingConversations(ctx, rewrite(q)); err == nil {
		return rewrite(q), ids, n, nil
	}
	if ctx.Err() != nil {
		return "", "", 0, ctx.Err()
	}
	if plain := quoteWords(q); plain != "" {
		if ids, n, err := db.matchingConversations(ctx, rewrite(plain)); err == nil {
			return rewrite(plain), ids, n, nil
		}
	}
	return "", "", 0, fmt.Errorf("q: %w full-text query %q: %s", ErrInvalid, q, strings.TrimPrefix(err.Error(), "fts5: "))
}

// searchIndex is the full-text table a query as run is for: script_fts when it
// holds unspaced scripts (the messages that do are indexed there), else search_fts.
// Both have rowid = conversation_id << 32 | message id.
func searchIndex(match string) string {
	if hasUnspaced(match) {
		return "script_fts"
	}
	return "search_fts"
}

// ForgetSearches drops the kept matches of earlier searches, so that the next search
// runs against the index (a benchmark of a first search calls it).
func (db *DB) ForgetSearches() { db.searches.reset() }

// searchHit is what searchHits found for one query.
type searchHit struct {
	match, ids string
	n          int
}

// searchCache keeps the matches of the last few queries at one dataVersion. At
// 100,000 conversations a common word's ids are ~0.5 MB of JSON.
type searchCache struct {
	mu      sync.Mutex
	version dataVersion
	hits    map[string]searchHit
}

// searchesKept is how many queries searchCache keeps: the list's, the export's and
// the bulk bar's are usually the same one.
const searchesKept = 4

func (c *searchCache) get(q string, v dataVersion) (searchHit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hits[q]
	return h, ok && c.version == v
}

func (c *searchCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hits = nil
}

func (c *searchCache) put(q string, v dataVersion, h searchHit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v || len(c.hits) >= searchesKept {
		c.hits = nil // all from another state of the data, or a full cache: start again
	}
	if c.hits == nil {
		c.hits = map[string]searchHit{}
	}
	c.version = v
	c.hits[q] = h
}

// matchingConversations runs q against the index alone. The statement is fixed and
// the table exists, so an error here is the query's fault. The ids stay in SQLite's
// own JSON: at 70,000 matches that beats a row each through database/sql by a third.
func (db *DB) matchingConversations(ctx context.Context, q string) (string, int, error) {
	var ids string
	var n int
	index := searchIndex(q)
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*), json_group_array(id)
		FROM (SELECT DISTINCT rowid >> 32 AS id FROM `+index+` WHERE `+index+` MATCH ?)`, q).Scan(&n, &ids)
	return ids, n, err
}

// quoteWords quotes each word of a query that holds no FTS5 syntax, or gives ""
// when it does: such a query was meant as FTS5 and its error is the answer.
func quoteWords(q string) string {
	if strings.ContainsAny(q, `"()*:^{}`) {
		return ""
	}
	words := strings.Fields(q)
	for i, w := range words {
		switch w {
		case "AND", "OR", "NOT", "NEAR":
			return ""
		}
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " ")
}

// snippets sets the Snippet of each summary from its first matching message.
//
// Each statement with a MATCH evaluates the query once, and for a prefix or phrase
// query that is the costly part (a prefix merges the doclists of every term it
// covers: ~3 ms for "regex*" at 100,000 conversations). So the page's snippets cost
// two evaluations, not two per row: one range scan finds the first hit of every
// conversation on the page, one more computes the snippets of those messages only.
func (db *DB) snippets(ctx context.Context, match string, items []Summary) error {
	if len(items) == 0 {
		return nil
	}
	first, err := db.firstHits(ctx, match, items)
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	if len(first) == 0 {
		return nil
	}
	keys := make([]int64, 0, len(first))
	for _, m := range first {
		keys = append(keys, m)
	}
	var byKey map[int64]string
	if searchIndex(match) == "script_fts" {
		byKey, err = db.scriptSnippets(ctx, match, keys)
	} else {
		byKey, err = db.wordSnippets(ctx, match, keys)
	}
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	for i := range items {
		if m, ok := first[items[i].ID]; ok {
			items[i].Snippet = byKey[m]
		}
	}
	return nil
}

// wordSnippets computes FTS5's snippets of the messages keys (search_fts rowids)
// for a query of search_fts.
func (db *DB) wordSnippets(ctx context.Context, match string, keys []int64) (map[int64]string, error) {
	lo, hi := slices.Min(keys), slices.Max(keys)
	// snippet() needs the MATCH in the same statement; search_fts reads the text from
	// message_text. The rowid range goes to FTS5; "+rowid IN" is a filter SQLite
	// applies before computing the columns (the + keeps the planner from turning it
	// into one FTS5 evaluation per id), so only the wanted rows get a snippet.
	rows, err := db.sql.QueryContext(ctx, `SELECT rowid, snippet(search_fts, -1, ?, ?, '…', 24)
		FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? AND rowid <= ?
			AND +rowid IN (SELECT value FROM json_each(?))`,
		markOpen, markClose, match, lo, hi, int64sJSON(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[int64]string{}
	for rows.Next() {
		var key int64
		var snip string
		if err := rows.Scan(&key, &snip); err != nil {
			return nil, err
		}
		byKey[key] = highlight(snip)
	}
	return byKey, rows.Err()
}

// firstHits maps each conversation of items that matches to the key (rowid) of its
// first matching message, from one scan of the hits between the page's lowest and
// highest conversation (rowids are conversation_id << 32 | message id).
func (db *DB) firstHits(ctx context.Context, match string, items []Summary) (map[int64]int64, error) {
	ids := make([]int64, len(items))
	for i, s := range items {
		ids[i] = s.ID
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	index := searchIndex(match)
	rows, err := db.sql.QueryContext(ctx, `SELECT rowid >> 32, MIN(rowid) FROM `+index+`
		WHERE `+index+` MATCH ? AND rowid >= ? AND rowid < ? AND +(rowid >> 32) IN (SELECT value FROM json_each(?))
		GROUP BY rowid >> 32`, match, lo<<32, (hi+1)<<32, int64sJSON(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	first := map[int64]int64{}
	for rows.Next() {
		var conv, msg int64
		if err := rows.Scan(&conv, &msg); err != nil {
			return nil, err
		}
		first[conv] = msg
	}
	return first, rows.Err()
}

// highlight HTML-escapes a snippet and turns its markers into <mark>…</mark>. Tags
// always pair up, even if the text itself held marker characters.
func highlight(snip string) string {
	var b strings.Builder
	open := false
	for {
		i := strings.IndexAny(snip, markOpen+markClose)
		if i < 0 {
			b.WriteString(html.EscapeString(snip))
			break
		}
		b.WriteString(html.EscapeString(snip[:i]))
		isOpen := strings.HasPrefix(snip[i:], markOpen)
		switch {
		case isOpen && !open:
			b.WriteString("<mark>")
			open = true
		case !isOpen && open:
			b.WriteString("</mark>")
			open = false
		}
		snip = snip[i+len(markOpen):] // both markers are three bytes
	}
	if open {
		b.WriteString("</mark>")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// int64sJSON renders ids as a JSON array, for json_each: one parameter however many ids.
func int64sJSON(ids []int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, id)
	}
	b.WriteByte(']')
	return b.String()
}
