package store

import (
	"context"
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

// ftsQuery checks q against FTS5 and returns the query to run: q itself, or, when q
// is plain words FTS5 cannot parse ("gpt-4o", "don't"), each word quoted. A query
// that uses FTS5 syntax and does not parse gives an error wrapping ErrInvalid.
func (db *DB) ftsQuery(ctx context.Context, q string) (string, error) {
	err := db.probeFTS(ctx, q)
	if err == nil {
		return q, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if plain := quoteWords(q); plain != "" {
		if db.probeFTS(ctx, plain) == nil {
			return plain, nil
		}
	}
	return "", fmt.Errorf("q: %w full-text query %q: %s", ErrInvalid, q, strings.TrimPrefix(err.Error(), "fts5: "))
}

// probeFTS runs q against the index alone. The statement is fixed and the table
// exists, so an error here is the query's fault.
func (db *DB) probeFTS(ctx context.Context, q string) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1`, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
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

// snippets sets the Snippet of each summary from its matching message hits[id].
func (db *DB) snippets(ctx context.Context, match string, items []Summary, hits map[int64]int64) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(items))
	for _, s := range items {
		ids = append(ids, hits[s.ID])
	}
	// snippet() needs the MATCH in the same statement; the rowid filter keeps it to the page.
	rows, err := db.sql.QueryContext(ctx, `SELECT rowid, snippet(messages_fts, -1, ?, ?, '…', 24)
		FROM messages_fts WHERE messages_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
		markOpen, markClose, match, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	byMessage := map[int64]string{}
	for rows.Next() {
		var id int64
		var snip string
		if err := rows.Scan(&id, &snip); err != nil {
			return fmt.Errorf("search snippets: %w", err)
		}
		byMessage[id] = highlight(snip)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	for i := range items {
		items[i].Snippet = byMessage[hits[items[i].ID]]
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
