package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// viewedLeaf returns the last message of the path shown for a conversation whose
// chosen path ends at head, when the reviewer looks through message via: head
// itself when via is 0 or on the chosen path, else the newest leaf under via.
func (db *DB) viewedLeaf(ctx context.Context, convID, head, via int64) (int64, error) {
	if via == 0 || via == head {
		return head, nil
	}
	var owner int64
	err := db.sql.QueryRowContext(ctx, `SELECT conversation_id FROM messages WHERE id = ?`, via).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != convID) {
		return 0, fmt.Errorf("via %d: %w: not a message of conversation %d", via, ErrInvalid, convID)
	}
	if err != nil {
		return 0, err
	}
	onPath, err := isUnder(ctx, db.sql, &node{id: head}, via)
	if err != nil || onPath {
		return head, err
	}
	leaf, err := newestLeaf(ctx, db.sql, convID, via)
	if err != nil {
		return 0, err
	}
	if leaf == nil {
		return via, nil
	}
	return leaf.id, nil
}

// branchChosen reports whether a person chose a branch or cut of the conversation.
func (db *DB) branchChosen(ctx context.Context, convID int64) (bool, error) {
	var chosen bool
	err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations c
		JOIN conversation_choices ch ON ch.origin_exchange_id = c.origin_exchange_id
		WHERE c.id = ? AND (ch.branch_key != '' OR ch.cut_key != ''))`, convID).Scan(&chosen)
	return chosen, err
}
