package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A conversation's chosen path ends at conversations.head_id. Threading moves it to
// the newest answer; a person's branch choice or cut (conversation_choices, keyed by
// stable identity) overrides that, and chosenHead reconciles the two wherever the
// head is set: when a round is threaded (capture and reindex) and when the person
// chooses. The rules:
//
//   - A cut ends the path at the cut message, whatever is captured below it later.
//   - A branch choice runs the path through the chosen message to the newest leaf
//     under it. A capture that continues that branch is such a leaf, so the end
//     moves along with the chat; a capture on another branch leaves the person's
//     choice in place (the UI shows it as a sibling).
//   - A choice whose message does not exist (yet, during a reindex, or any more,
//     after a parser change) is ignored: the captured head stands.

// nodeColumns are the columns scanNode reads, from messages aliased m.
const nodeColumns = `m.id, m.conversation_id, m.key, m.content_key, m.depth, m.rounds, m.answers, m.role, m.is_answer`

func scanNode(row interface{ Scan(...any) error }) (*node, error) {
	var n node
	err := row.Scan(&n.id, &n.conversationID, &n.key, &n.contentKey, &n.depth, &n.rounds, &n.answers, &n.role, &n.isAnswer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// choices is a conversation's conversation_choices row; the zero value is none.
type choices struct {
	branchKey, cutKey string
	system            sql.NullString
}

// loadChoices reads the choices stored for a conversation's identity.
func loadChoices(ctx context.Context, tx *sql.Tx, convID int64) (choices, error) {
	var ch choices
	err := tx.QueryRowContext(ctx, `SELECT ch.branch_key, ch.cut_key, ch.system_content
		FROM conversations c JOIN conversation_choices ch ON ch.origin_exchange_id = c.origin_exchange_id
		WHERE c.id = ?`, convID).Scan(&ch.branchKey, &ch.cutKey, &ch.system)
	if errors.Is(err, sql.ErrNoRows) {
		return choices{}, nil
	}
	return ch, err
}

// chosenHead returns where a conversation's path ends given the head threading
// picked (captured, which may be nil for none) and the person's choices.
func chosenHead(ctx context.Context, tx *sql.Tx, convID int64, captured *node) (*node, error) {
	ch, err := loadChoices(ctx, tx, convID)
	if err != nil || (ch.cutKey == "" && ch.branchKey == "") {
		return captured, err
	}
	if ch.cutKey != "" {
		cut, err := childByKey(ctx, tx, convID, ch.cutKey)
		if err != nil || cut != nil {
			return cut, err
		}
	}
	if ch.branchKey == "" {
		return captured, nil
	}
	branch, err := childByKey(ctx, tx, convID, ch.branchKey)
	if err != nil || branch == nil {
		return captured, err
	}
	if captured != nil {
		under, err := isUnder(ctx, tx, captured, branch.id)
		if err != nil || under {
			return captured, err
		}
	}
	return newestLeaf(ctx, tx, convID, branch.id)
}

// isUnder reports whether ancestorID is n or one of its ancestors.
func isUnder(ctx context.Context, q querier, n *node, ancestorID int64) (bool, error) {
	var found bool
	err := q.QueryRowContext(ctx, `WITH RECURSIVE up(id) AS (
			SELECT ?1 UNION ALL SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL
		) SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)`, n.id, ancestorID).Scan(&found)
	return found, err
}

// newestLeaf returns the newest message without children under the message
// underID (itself included), or in the whole conversation when underID is 0. Of
// messages captured in the same millisecond the later exchange's is newer, and of
// the n answers of one response the first, as threading makes it the head.
func newestLeaf(ctx context.Context, q querier, convID, underID int64) (*node, error) {
	if underID == 0 {
		return scanNode(q.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM messages m
			WHERE m.conversation_id = ? AND NOT EXISTS (SELECT 1 FROM messages k WHERE k.parent_id = m.id)
			ORDER BY m.created_at DESC, m.exchange_id DESC, m.id LIMIT 1`, convID))
	}
	return scanNode(q.QueryRowContext(ctx, `WITH RECURSIVE down(id) AS (
			SELECT ?1 UNION ALL SELECT m.id FROM messages m JOIN down ON m.parent_id = down.id
		)
		SELECT `+nodeColumns+` FROM down JOIN messages m ON m.id = down.id
		WHERE NOT EXISTS (SELECT 1 FROM messages k WHERE k.parent_id = m.id)
		ORDER BY m.created_at DESC, m.exchange_id DESC, m.id LIMIT 1`, underID))
}

// refreshHead recomputes a conversation's head after its choices changed. The head
// threading would pick is not stored, so the newest leaf stands in for it (they
// differ only after an identical retry of an older answer, which threading makes
// the head without adding a message).
func refreshHead(ctx context.Context, tx *sql.Tx, convID int64) error {
	leaf, err := newestLeaf(ctx, tx, convID, 0)
	if err != nil {
		return err
	}
	head, err := chosenHead(ctx, tx, convID, leaf)
	if err != nil || head == nil {
		return err
	}
	// rounds and message_count describe the chosen path, like threading keeps them.
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET head_id = ?, rounds = ?, message_count = ? + prelude_count
		WHERE id = ?`, head.id, head.rounds, head.depth, convID)
	if err != nil {
		return err
	}
	return syncPath(ctx, tx, convID) // the list's tokens and flags follow the chosen path
}

// ensureOrigin returns a conversation's stable identity, setting it first on a row
// threaded before migration 2 the way Reindex names such rows (its oldest exchange).
func ensureOrigin(ctx context.Context, tx *sql.Tx, convID int64) (int64, error) {
	var origin sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT origin_exchange_id FROM conversations WHERE id = ? AND head_id IS NOT NULL`,
		convID).Scan(&origin)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("conversation %d: %w", convID, ErrNotFound)
	}
	if err != nil || origin.Valid {
		return origin.Int64, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT MIN(exchange_id) FROM messages WHERE conversation_id = ?`,
		convID).Scan(&origin); err != nil {
		return 0, err
	}
	if !origin.Valid {
		return 0, fmt.Errorf("conversation %d has no exchange to name it by", convID)
	}
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET origin_exchange_id = ? WHERE id = ?`, origin.Int64, convID)
	return origin.Int64, err
}

// setChoice changes a conversation's choices (set is a SET clause over the columns
// of conversation_choices, with ? for args) and recomputes its head, in one
// transaction. When msgID is not 0, args receives the key of that message, which
// must be in the conversation; otherwise it receives "".
func (db *DB) setChoice(ctx context.Context, convID, msgID int64, set string, args func(key string) []any) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	origin, err := ensureOrigin(ctx, tx, convID)
	if err != nil {
		return err
	}
	key := ""
	if msgID != 0 {
		n, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM messages m WHERE m.id = ?`, msgID))
		if err != nil {
			return err
		}
		if n == nil || n.conversationID != convID {
			return fmt.Errorf("messageId %d: %w: not a message of conversation %d", msgID, ErrInvalid, convID)
		}
		key = n.key
	}
	now := time.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO conversation_choices (origin_exchange_id, updated_at) VALUES (?, ?)
		ON CONFLICT (origin_exchange_id) DO NOTHING`, origin, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE conversation_choices SET `+set+`, updated_at = ? WHERE origin_exchange_id = ?`,
		append(args(key), now, origin)...); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_choices WHERE origin_exchange_id = ?
		AND branch_key = '' AND cut_key = '' AND system_content IS NULL`, origin); err != nil {
		return err
	}
	if err := refreshHead(ctx, tx, convID); err != nil {
		return err
	}
	return tx.Commit()
}

func noArgs(string) []any { return nil }

// SetBranch makes conversation convID's chosen path run through message msgID, to
// the newest leaf under it, and clears a cut. It returns an error wrapping
// ErrNotFound for an unknown conversation and ErrInvalid when the message is
// not in it.
func (db *DB) SetBranch(ctx context.Context, convID, msgID int64) error {
	err := db.setChoice(ctx, convID, msgID, `branch_key = ?, cut_key = ''`, func(k string) []any { return []any{k} })
	if err != nil {
		return fmt.Errorf("choose branch of conversation %d: %w", convID, err)
	}
	return nil
}

// ClearBranch drops the branch choice and cut of a conversation: its path ends at
// the newest leaf again.
func (db *DB) ClearBranch(ctx context.Context, convID int64) error {
	if err := db.setChoice(ctx, convID, 0, `branch_key = '', cut_key = ''`, noArgs); err != nil {
		return fmt.Errorf("clear branch of conversation %d: %w", convID, err)
	}
	return nil
}

// SetCut ends conversation convID's chosen path at message msgID, whatever is
// captured below it later ("delete this turn and what follows" is a cut at its
// parent). The branch choice moves to the same message, so undoing the cut
// (ClearCut) keeps the path on this branch, to the newest leaf under the cut point.
// Errors are as for SetBranch.
func (db *DB) SetCut(ctx context.Context, convID, msgID int64) error {
	err := db.setChoice(ctx, convID, msgID, `branch_key = ?, cut_key = ?`, func(k string) []any { return []any{k, k} })
	if err != nil {
		return fmt.Errorf("cut conversation %d: %w", convID, err)
	}
	return nil
}

// ClearCut undoes a cut.
func (db *DB) ClearCut(ctx context.Context, convID int64) error {
	if err := db.setChoice(ctx, convID, 0, `cut_key = ''`, noArgs); err != nil {
		return fmt.Errorf("clear cut of conversation %d: %w", convID, err)
	}
	return nil
}

// SetSystem replaces the system prompt of conversation convID: the system messages
// of its newest prelude are shown and exported as one with this content, while the
// captured ones stay stored (shown as the original). Empty content leaves the
// prompt out. The edit also stands over a prompt a later capture sends.
func (db *DB) SetSystem(ctx context.Context, convID int64, content string) error {
	err := db.setChoice(ctx, convID, 0, `system_content = ?`, func(string) []any { return []any{content} })
	if err != nil {
		return fmt.Errorf("edit system prompt of conversation %d: %w", convID, err)
	}
	return nil
}

// ClearSystem undoes SetSystem.
func (db *DB) ClearSystem(ctx context.Context, convID int64) error {
	if err := db.setChoice(ctx, convID, 0, `system_content = NULL`, noArgs); err != nil {
		return fmt.Errorf("restore system prompt of conversation %d: %w", convID, err)
	}
	return nil
}
