package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// indexMessages adds the messages with an id above after to the full-text indexes:
// every one to search_fts, those holding unspaced scripts to script_fts as well
// (migration 0016). Migration 0013 says why this is not a trigger. Message ids only
// grow, so they are the messages inserted since after was read. Each index gets one
// statement, in rowid order, which FTS5 writes as one segment.
func indexMessages(ctx context.Context, tx *sql.Tx, after int64) error {
	// The rowid range picks the new rows; "+key" keeps the planner from walking the
	// whole key index to skip the sort.
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, content, reasoning)
		SELECT key, content, reasoning FROM message_text WHERE id > ? ORDER BY +key`, after); err != nil {
		return err
	}
	return indexScripts(ctx, tx, after)
}

// indexScripts adds the messages with an id above after that hold unspaced scripts
// to script_fts, with the text scriptText makes. SQLite picks the candidates without
// handing text to Go: a text whose length in characters is its length in bytes is
// ASCII. All rows go in one statement (a JSON array), so the batch is one segment.
func indexScripts(ctx context.Context, tx *sql.Tx, after int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, content, reasoning FROM message_text
		WHERE id > ? AND (length(content) != octet_length(content) OR length(reasoning) != octet_length(reasoning))
		ORDER BY +key`, after)
	if err != nil {
		return err
	}
	var add [][3]any
	for rows.Next() {
		var key int64
		var content, reasoning string
		if err := rows.Scan(&key, &content, &reasoning); err != nil {
			rows.Close()
			return err
		}
		if hasUnspaced(content) || hasUnspaced(reasoning) {
			add = append(add, [3]any{key, scriptText(content), scriptText(reasoning)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(add) == 0 {
		return nil
	}
	arg, err := json.Marshal(add)
	if err != nil {
		return fmt.Errorf("index %d messages in unspaced scripts: %w", len(add), err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO script_fts (rowid, content, reasoning)
		SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)`, string(arg))
	return err
}
