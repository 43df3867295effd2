package store

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

// MaxNote bounds a note or a reject reason, in characters.
const MaxNote = 10000

// SetStatus sets a conversation's review status, clearing any reject reason.
func (db *DB) SetStatus(ctx context.Context, id int64, status dataset.Status) error {
	return db.SetStatusReason(ctx, id, status, "")
}

// SetStatusReason sets a conversation's review status. reason is kept only with
// StatusRejected ("" for none); any other status clears it, and a reason given with
// one is an error wrapping ErrInvalid. An unknown id gives an error wrapping ErrNotFound.
func (db *DB) SetStatusReason(ctx context.Context, id int64, status dataset.Status, reason string) error {
	if err := checkStatus(status, reason); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE conversations SET status = ?, reject_reason = ?
		WHERE id = ? AND head_id IS NOT NULL`, string(status), reason, id)
	if err != nil {
		return fmt.Errorf("set status of conversation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

func checkStatus(status dataset.Status, reason string) error {
	if !status.Valid() {
		return fmt.Errorf("status %q: %w: must be unreviewed, confirmed or rejected", status, ErrInvalid)
	}
	if reason != "" && status != dataset.StatusRejected {
		return fmt.Errorf("reason: %w: only a rejected conversation keeps a reason", ErrInvalid)
	}
	if utf8.RuneCountInString(reason) > MaxNote {
		return fmt.Errorf("reason: %w: longer than %d characters", ErrInvalid, MaxNote)
	}
	return nil
}

// SetNote sets a conversation's note ("" removes it). An unknown id gives an error
// wrapping ErrNotFound; a note over MaxNote characters one wrapping ErrInvalid.
func (db *DB) SetNote(ctx context.Context, id int64, note string) error {
	if utf8.RuneCountInString(note) > MaxNote {
		return fmt.Errorf("note: %w: longer than %d characters", ErrInvalid, MaxNote)
	}
	return db.setConversation(ctx, id, "note", note)
}

// BulkAction is what Bulk does to each selected conversation.
type BulkAction string

// The actions Bulk knows.
const (
	BulkStatus BulkAction = "status" // set Status (and Reason, for rejected)
	BulkTag    BulkAction = "tag"    // put TagID on
	BulkUntag  BulkAction = "untag"  // take TagID off
)

// BulkOptions selects conversations and says what to do with them. Exactly one of
// IDs and Filter selects; Filter's Limit and Offset are ignored (every match counts).
type BulkOptions struct {
	IDs    []int64
	Filter *ListOptions
	Action BulkAction
	Status dataset.Status // for BulkStatus
	Reason string         // for BulkStatus with StatusRejected
	TagID  int64          // for BulkTag and BulkUntag
}

// Bulk applies one action to many conversations in one transaction and returns how
// many conversations it selected (ids that do not exist are skipped and not counted).
// A bad option gives an error wrapping ErrInvalid, an unknown tag one wrapping
// ErrNotFound.
func (db *DB) Bulk(ctx context.Context, opt BulkOptions) (int, error) {
	if (opt.IDs == nil) == (opt.Filter == nil) {
		return 0, fmt.Errorf("ids, filter: %w: give exactly one", ErrInvalid)
	}
	switch opt.Action {
	case BulkStatus:
		if err := checkStatus(opt.Status, opt.Reason); err != nil {
			return 0, err
		}
	case BulkTag, BulkUntag:
	default:
		return 0, fmt.Errorf("action %q: %w: must be status, tag or untag", opt.Action, ErrInvalid)
	}
	// The selection is worked out before the transaction: a search probes FTS5 first.
	var ids []int64
	var sel selection
	if opt.Filter != nil {
		var err error
		if sel, err = db.selection(ctx, *opt.Filter); err != nil {
			return 0, err
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("bulk %s: %w", opt.Action, err)
	}
	defer tx.Rollback()
	if opt.Action != BulkStatus {
		if _, err := tagByID(ctx, tx, opt.TagID); err != nil {
			return 0, err
		}
	}
	q, args := `SELECT c.id FROM conversations c WHERE c.head_id IS NOT NULL AND c.id IN (SELECT value FROM json_each(?))`,
		[]any{int64sJSON(opt.IDs)}
	if opt.Filter != nil {
		q, args = `SELECT c.id FROM conversations c WHERE `+sel.where, sel.args
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("bulk %s: select: %w", opt.Action, err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("bulk %s: select: %w", opt.Action, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("bulk %s: select: %w", opt.Action, err)
	}
	set := int64sJSON(ids)
	switch opt.Action {
	case BulkStatus:
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET status = ?, reject_reason = ?
			WHERE id IN (SELECT value FROM json_each(?))`, string(opt.Status), opt.Reason, set)
	case BulkTag:
		_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)
			SELECT value, ? FROM json_each(?)`, opt.TagID, set)
	case BulkUntag:
		_, err = tx.ExecContext(ctx, `DELETE FROM conversation_tags
			WHERE tag_id = ? AND conversation_id IN (SELECT value FROM json_each(?))`, opt.TagID, set)
	}
	if err != nil {
		return 0, fmt.Errorf("bulk %s of %d conversations: %w", opt.Action, len(ids), err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("bulk %s: %w", opt.Action, err)
	}
	return len(ids), nil
}
