package store

import (
	"context"
	"database/sql"
	"fmt"
)

// writer threads rounds inside one write transaction and remembers what it learnt
// about the database there, so each round runs only the statements it needs.
type writer struct {
	tx *sql.Tx
	// lastMessage is the largest message id before the transaction: the messages
	// above it are the ones it added, indexed for search by finish.
	lastMessage int64
	// choices is false when no conversation has a branch choice or cut; only a
	// person sets them, never in a write transaction, so it holds throughout.
	choices bool
}

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{tx: tx}
	// Threading's small sorts (rootEdit's ORDER BY … LIMIT 16) each opened and removed
	// a temporary file, which cost more than the lookup itself. finish sets the
	// default back, so the connection's other users (large sorts of the review
	// list) still spill to disk.
	if _, err := tx.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return nil, fmt.Errorf("start threading: %w", err)
	}
	err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM messages),
		EXISTS (SELECT 1 FROM conversation_choices)`).Scan(&w.lastMessage, &w.choices)
	if err != nil {
		return nil, fmt.Errorf("start threading: %w", err)
	}
	return w, nil
}

// finish indexes the messages the transaction added.
func (w *writer) finish(ctx context.Context) error {
	if err := indexMessages(ctx, w.tx, w.lastMessage); err != nil {
		return fmt.Errorf("index messages for search: %w", err)
	}
	if _, err := w.tx.ExecContext(ctx, `PRAGMA temp_store = DEFAULT`); err != nil {
		return fmt.Errorf("finish threading: %w", err)
	}
	return nil
}
