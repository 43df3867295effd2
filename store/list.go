package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// Summary is one row of the conversation list (docs/api-review.md, ConversationSummary).
type Summary struct {
	ID           int64          `json:"id"`
	Title        string         `json:"title"`
	Status       dataset.Status `json:"status"`
	Model        string         `json:"model"`
	Host         string         `json:"host"`
	Provider     string         `json:"provider"` // dataset.Provider of host and dialect, "" when unknown
	Rounds       int            `json:"rounds"`
	MessageCount int            `json:"messageCount"`
	Tokens       int64          `json:"tokens"` // usage summed over the answers on the chosen path
	// The kinds of Tokens (migration 0018): prompt (cached and cacheWrite are parts of
	// it) and completion.
	PromptTokens     int64 `json:"promptTokens"`
	CompletionTokens int64 `json:"completionTokens"`
	CachedTokens     int64 `json:"cachedTokens"`
	CacheWriteTokens int64 `json:"cacheWriteTokens"`
	// CostUSD is what the chosen path's answers cost at the rates DB.SetRates was
	// given; nil when the model has none (a local model) or none were given.
	CostUSD      *float64 `json:"costUsd,omitempty"`
	Tags         []Tag    `json:"tags"` // never nil
	Note         string   `json:"note"`
	RejectReason string   `json:"rejectReason"`
	Client       string   `json:"client"` // dataset.ClientName of the first exchange's User-Agent
	HasToolCalls bool     `json:"hasToolCalls"`
	HasReasoning bool     `json:"hasReasoning"`
	HasErrors    bool     `json:"hasErrors"` // see migration 0004 for the rule
	// Score is the quality score, 1 to MaxScore, or 0 unrated (migration 0017).
	Score int `json:"score,omitempty"`
	// ThumbsUp and ThumbsDown count the answers a reviewer rated, on any branch.
	ThumbsUp   int `json:"thumbsUp,omitempty"`
	ThumbsDown int `json:"thumbsDown,omitempty"`
	// Snippet is set when the list was searched: the best matching text, HTML-escaped,
	// hits wrapped in <mark>…</mark>.
	Snippet   string    `json:"snippet,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Sort orders the conversation list.
type Sort string

// The sorts ListConversations knows; each is backed by an index.
const (
	SortUpdated Sort = "updated" // last activity, the default
	SortCreated Sort = "created"
	SortRounds  Sort = "rounds"
	SortTokens  Sort = "tokens"
	// SortCost orders by the cost (Summary.CostUSD), unpriced conversations last
	// (first ascending), along conversations_cost (migration 0018).
	SortCost Sort = "cost"
)

// sortColumns maps a Sort to its column.
var sortColumns = map[Sort]string{"": "updated_at", SortUpdated: "updated_at", SortCreated: "created_at",
	SortRounds: "rounds", SortTokens: "tokens", SortCost: "cost"}

// Rate is a model's price in US dollars per million tokens of each kind, resolved
// (a cached or cache-write rate equal to Input when the provider has none apart).
type Rate struct{ Input, Cached, CacheWrite, Output float64 }

// Rates returns the rate of a model, false for one without a price.
type Rates func(model string) (Rate, bool)

// ListOptions selects conversations. The zero value is the first 50 of all, newest
// activity first. Every filter narrows the selection (they combine with AND).
type ListOptions struct {
	Limit  int // 0 → 50
	Offset int // rows to skip

	Status dataset.Status // "" → every status
	// Query is an FTS5 query over message text and reasoning. A query of plain words
	// that FTS5 cannot parse ("don't", "gpt-4o") is searched as those words; any other
	// that does not parse gives an error wrapping ErrInvalid.
	Query string
	Tags  []int64 // conversations carrying every one of these tag ids
	Model string  // exact
	Host  string  // exact
	// ForwardKey keeps conversations holding an answer of an exchange made with this
	// gateway forward key (its ID, exact).
	ForwardKey string
	// From and To bound the last activity (updated_at), both inclusive; zero → open.
	From, To time.Time
	// HasToolCalls, HasReasoning and HasErrors require (true) or exclude (false) the
	// flag; nil ignores it.
	HasToolCalls, HasReasoning, HasErrors *bool
	Sort                                  Sort // "" → SortUpdated
	Asc                                   bool // oldest / fewest first; default newest / most first

	// Scores keeps conversations whose score is one of these (0: unrated); nil ignores it.
	Scores []int
	// MinScore keeps conversations scored MinScore or better, unrated ones left
	// out; 0 ignores it (an export's --min-score, issue 14).
	MinScore int
	// Thumbs keeps conversations holding an answer a reviewer rated up (1) or down
	// (-1); 0 ignores it.
	Thumbs int
}

// ListConversations returns a page of conversations in the chosen order and how many
// match in all. With a Query, each summary carries a snippet of its first matching
// message. A page costs a fixed number of queries, whatever its size.
func (db *DB) ListConversations(ctx context.Context, opt ListOptions) ([]Summary, int, error) {
	if opt.Limit <= 0 {
		opt.Limit = 50
	}
	sel, err := db.selection(ctx, opt)
	if err != nil {
		return nil, 0, err
	}
	dir := "DESC"
	if opt.Asc {
		dir = "ASC"
	}
	col := "c." + sortColumns[opt.Sort]
	// The cost is stored, kept in line with the prices by SetRates and the
	// capture's transaction (rates.go): a list only reads.
	cost := "c.cost"
	// The page stops after Limit rows of an index in sort order, and the count is a
	// covering index range (or, searching, a probe per hit): two statements are
	// faster than one with a window count, which would read every matching row.
	from := "conversations c"
	if sel.scan && col == "c.updated_at" {
		from += sel.index()
	}
	q := `SELECT ` + summaryColumns + `, ` + cost + ` FROM ` + from + ` WHERE ` + sel.where +
		` ORDER BY ` + col + ` ` + dir + `, c.id ` + dir + ` LIMIT ? OFFSET ?`
	rows, err := db.sql.QueryContext(ctx, q, append(slices.Clip(sel.args), opt.Limit, opt.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	items := []Summary{}
	for rows.Next() {
		var s Summary
		if err := rows.Scan(append(summaryDest(&s), &s.CostUSD)...); err != nil {
			return nil, 0, fmt.Errorf("list conversations: %w", err)
		}
		items = append(items, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list conversations: %w", err)
	}
	var total int
	count, countArgs := sel.count()
	if err := db.sql.QueryRowContext(ctx, count, countArgs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count conversations: %w", err)
	}
	if err := db.pageTags(ctx, items); err != nil {
		return nil, 0, err
	}
	if err := db.pageThumbs(ctx, items); err != nil {
		return nil, 0, err
	}
	if sel.match != "" {
		if err := db.snippets(ctx, sel.match, items); err != nil {
			return nil, 0, err
		}
	}
	return items, total, nil
}

// selection is the WHERE of a conversation list over conversations aliased c,
// shared by the page, its count and bulk actions.
type selection struct {
	where string
	args  []any
	match string // the FTS5 query as run; "" without a search
	// scan is set when a filter (a flag, a tag, a search with many hits) is not
	// served by an index of its own. Then scanning conversations_updated, which
	// carries the flags, and probing the rest beats what the planner picks without
	// statistics: a walk over the wide rows (flags), or every tagged or matching row
	// fetched and sorted. A rare search is faster driven by its few hits.
	scan bool

	// What count needs: the conditions without the first tag's (its own rows are
	// counted), the tags, and whether the search is the only condition (then its
	// number of hits is the count).
	rest       string
	restArgs   []any
	tags       []int64
	searchOnly bool
	matches    int
}

// index is the INDEXED BY clause for a selection that scans, or "".
func (s selection) index() string {
	if s.scan {
		return " INDEXED BY conversations_updated"
	}
	return ""
}

// conds is a list of SQL conditions and their arguments, in order.
type conds struct {
	sql  []string
	args []any
}

func (c *conds) add(cond string, args ...any) {
	c.sql = append(c.sql, cond)
	c.args = append(c.args, args...)
}

func (c conds) where() string { return strings.Join(c.sql, " AND ") }

// selection builds the SQL that picks the conversations opt describes.
func (db *DB) selection(ctx context.Context, opt ListOptions) (selection, error) {
	if _, ok := sortColumns[opt.Sort]; !ok {
		return selection{}, fmt.Errorf("sort %q: %w: must be updated, created, rounds, tokens or cost", opt.Sort, ErrInvalid)
	}
	if opt.Status != "" && !opt.Status.Valid() {
		return selection{}, fmt.Errorf("status %q: %w: must be unreviewed, confirmed or rejected", opt.Status, ErrInvalid)
	}
	s := selection{tags: opt.Tags}
	var w conds // every condition but the first tag's
	w.add("c.head_id IS NOT NULL")
	if opt.Query != "" {
		// A conversation matches when any of its messages does.
		match, ids, n, err := db.searchHits(ctx, opt.Query)
		if err != nil {
			return selection{}, err
		}
		w.add("c.id IN (SELECT value FROM json_each(?))", ids)
		s.match, s.scan, s.matches = match, n >= manyMatches, n
	}
	searchConds := len(w.sql) // a condition added past these narrows the search
	eq := func(col, v string) {
		if v != "" {
			w.add("c."+col+" = ?", v)
		}
	}
	eq("status", string(opt.Status))
	eq("model", opt.Model)
	eq("host", opt.Host)
	if opt.ForwardKey != "" {
		// A probe per conversation along messages_conversation: no index leads from
		// a key to its conversations, and one on messages(exchange_id) would cost
		// every capture a write for a filter used now and then.
		w.add(`EXISTS (SELECT 1 FROM messages m INDEXED BY messages_conversation
			JOIN exchanges e ON e.id = m.exchange_id WHERE m.conversation_id = c.id AND e.forward_key = ?)`, opt.ForwardKey)
		s.scan = true
	}
	if !opt.From.IsZero() {
		w.add("c.updated_at >= ?", opt.From.UnixMilli())
	}
	if !opt.To.IsZero() {
		w.add("c.updated_at <= ?", opt.To.UnixMilli())
	}
	flag := func(col string, v *bool) {
		if v != nil {
			w.add("c."+col+" = ?", *v)
			s.scan = true
		}
	}
	flag("has_tool_calls", opt.HasToolCalls)
	flag("has_reasoning", opt.HasReasoning)
	flag("has_errors", opt.HasErrors)
	if opt.Scores != nil {
		w.add("c.score IN (SELECT value FROM json_each(?))", intsJSON(opt.Scores))
		s.scan = true
	}
	if opt.MinScore > 0 {
		w.add("c.score >= ?", opt.MinScore)
		s.scan = true
	}
	if opt.Thumbs != 0 {
		// Thumbs are message marks, keyed by the conversation's origin exchange.
		w.add(`EXISTS (SELECT 1 FROM message_edits e WHERE e.origin_exchange_id = c.origin_exchange_id
			AND e.thumb = ?)`, opt.Thumbs)
		s.scan = true
	}
	const hasTag = "EXISTS (SELECT 1 FROM conversation_tags ct WHERE ct.conversation_id = c.id AND ct.tag_id = ?)"
	for _, tag := range opt.Tags[min(1, len(opt.Tags)):] {
		w.add(hasTag, tag)
	}
	s.where, s.args = w.where(), w.args
	s.rest, s.restArgs = s.where, s.args
	s.searchOnly = opt.Query != "" && len(w.sql) == searchConds && len(opt.Tags) == 0
	if len(opt.Tags) > 0 {
		s.scan = true
		s.where += " AND " + hasTag
		s.args = append(slices.Clip(s.args), opt.Tags[0])
	}
	return s, nil
}

// count returns the statement that counts the selection. Counting looks each
// conversation of a set up in conversations_live, a narrow index by id (migration
// 0006): the first tag's conversations, or the search's; without either, the indexes
// of the page serve.
func (s selection) count() (string, []any) {
	switch {
	case len(s.tags) > 0:
		return `SELECT COUNT(*) FROM conversation_tags ct0
			JOIN conversations c INDEXED BY conversations_live ON c.id = ct0.conversation_id
			WHERE ct0.tag_id = ? AND ` + s.rest, append([]any{s.tags[0]}, s.restArgs...)
	case s.searchOnly:
		// Its matches are the count, unless a rebuild is under way.
		return `SELECT CASE WHEN EXISTS (SELECT 1 FROM conversations INDEXED BY conversations_not_live
				WHERE head_id IS NULL) THEN (SELECT COUNT(*) FROM conversations c INDEXED BY conversations_live
				WHERE ` + s.rest + `) ELSE ? END`, append(slices.Clip(s.restArgs), s.matches)
	case s.match != "":
		return `SELECT COUNT(*) FROM conversations c INDEXED BY conversations_live WHERE ` + s.rest, s.restArgs
	default:
		return `SELECT COUNT(*) FROM conversations c` + s.index() + ` WHERE ` + s.rest, s.restArgs
	}
}

// summaryColumns are the columns summaryDest scans, of conversations aliased c.
const summaryColumns = `c.id, c.title, c.status, c.model, c.host, c.provider, c.rounds, c.message_count, c.tokens,
	c.prompt_tokens, c.completion_tokens, c.cached_tokens, c.cache_write_tokens, c.note, c.reject_reason, c.client, c.has_tool_calls, c.has_reasoning, c.has_errors, c.created_at, c.updated_at, c.score`

// summaryDest returns the scan destinations of summaryColumns; pageTags fills the tags.
func summaryDest(s *Summary) []any {
	return []any{&s.ID, &s.Title, &s.Status, &s.Model, &s.Host, &s.Provider, &s.Rounds, &s.MessageCount, &s.Tokens,
		&s.PromptTokens, &s.CompletionTokens, &s.CachedTokens, &s.CacheWriteTokens, &s.Note, &s.RejectReason, &s.Client, &s.HasToolCalls, &s.HasReasoning, &s.HasErrors,
		(*millisTime)(&s.CreatedAt), (*millisTime)(&s.UpdatedAt), &s.Score}
}

// millisTime scans a unix-millisecond column into a time.Time (UTC; 0 → zero time).
type millisTime time.Time

// Scan implements sql.Scanner.
func (t *millisTime) Scan(v any) error {
	ms, ok := v.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want unix milliseconds", v)
	}
	*t = millisTime(fromMillis(ms))
	return nil
}
