package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"strings"
)

// Snippet markers: private-use characters that FTS5 puts around hits, so the text
// can be HTML-escaped first and the markers turned into <mark> after.
const (
	markOpen  = "\ue000"
	markClose = "\ue001"
)

// manyHits is how many matching messages make a search common: the list then walks
// conversations in order and probes the hits, rather than fetching every hit's row.
const manyHits = 2000

// ftsQuery checks q against FTS5 and returns the query to run and whether it has
// manyHits or more: q itself, or, when q is plain words FTS5 cannot parse ("gpt-4o",
// "don't"), each word quoted. A query that uses FTS5 syntax and does not parse gives
// an error wrapping ErrInvalid.
func (db *DB) ftsQuery(ctx context.Context, q string) (string, bool, error) {
	many, err := db.probeFTS(ctx, q)
	if err == nil {
		return q, many, nil
	}
	if ctx.Err() != nil {
		return "", false, ctx.Err()
	}
	if plain := quoteWords(q); plain != "" {
		if many, err := db.probeFTS(ctx, plain); err == nil {
			return plain, many, nil
		}
	}
	return "", false, fmt.Errorf("q: %w full-text query %q: %s", ErrInvalid, q, strings.TrimPrefix(err.Error(), "fts5: "))
}

// probeFTS runs q against the index alone and reports whether it has manyHits. The
// statement is fixed and the table exists, so an error here is the query's fault.
func (db *DB) probeFTS(ctx context.Context, q string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?)`,
		q, manyHits).Scan(&n)
	return n >= manyHits, err
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
func (db *DB) snippets(ctx context.Context, match string, items []Summary) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	for i, s := range items {
		ids[i] = s.ID
	}
	// A conversation's hits are the search_fts rowids in [id << 32, (id+1) << 32).
	rows, err := db.sql.QueryContext(ctx, `SELECT p.value, (SELECT MIN(rowid & 4294967295) FROM search_fts
			WHERE search_fts MATCH ? AND rowid >= (p.value << 32) AND rowid < ((p.value + 1) << 32))
		FROM json_each(?) p`, match, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	first := map[int64]int64{} // conversation → its first matching message
	for rows.Next() {
		var conv int64
		var msg sql.NullInt64
		if err := rows.Scan(&conv, &msg); err != nil {
			rows.Close()
			return fmt.Errorf("search snippets: %w", err)
		}
		first[conv] = msg.Int64
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	// snippet() needs messages_fts (it has the text) with the MATCH in the same
	// statement. One message per statement: FTS5 then seeks that rowid, where a
	// join or an IN list would make it compute a snippet for every hit.
	stmt, err := db.sql.PrepareContext(ctx, `SELECT snippet(messages_fts, -1, ?, ?, '…', 24)
		FROM messages_fts WHERE messages_fts MATCH ? AND rowid = ?`)
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	defer stmt.Close()
	byConversation := map[int64]string{}
	for conv, msg := range first {
		var snip string
		err := stmt.QueryRowContext(ctx, markOpen, markClose, match, msg).Scan(&snip)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("search snippet of message %d: %w", msg, err)
		}
		byConversation[conv] = highlight(snip)
	}
	for i := range items {
		items[i].Snippet = byConversation[items[i].ID]
	}
	return nil
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
