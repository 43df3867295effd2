package store

import (
	"context"
	"fmt"
	"strings"
)

// AddTag puts the tag called name (created when new) on a conversation. Adding a
// tag it already has is not an error.
func (db *DB) AddTag(ctx context.Context, convID int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("tag conversation %d: empty tag name", convID)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?)`, convID).Scan(&exists); err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	if !exists {
		return fmt.Errorf("conversation %d: %w", convID, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (name) VALUES (?)`, name); err != nil {
		return fmt.Errorf("create tag %q: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)
		SELECT ?, id FROM tags WHERE name = ?`, convID, name); err != nil {
		return fmt.Errorf("tag conversation %d with %q: %w", convID, name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tag conversation %d: %w", convID, err)
	}
	return nil
}

// Tags returns the names of a conversation's tags in name order.
func (db *DB) Tags(ctx context.Context, convID int64) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT t.name FROM tags t JOIN conversation_tags ct ON ct.tag_id = t.id
		WHERE ct.conversation_id = ? ORDER BY t.name`, convID)
	if err != nil {
		return nil, fmt.Errorf("tags of conversation %d: %w", convID, err)
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("tags of conversation %d: %w", convID, err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
