package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// MaxScore is the best quality score of a conversation; 0 means not rated.
const MaxScore = dataset.MaxScore

// SetScore sets a conversation's quality score, 1 to MaxScore, or 0 to clear it. An
// unknown id gives an error wrapping ErrNotFound, a score out of range one wrapping
// ErrInvalid.
func (db *DB) SetScore(ctx context.Context, id int64, score int) error {
	if score < 0 || score > MaxScore {
		return fmt.Errorf("score %d: %w: must be 1 to %d, or 0 to clear it", score, ErrInvalid, MaxScore)
	}
	return db.setConversation(ctx, id, "score", score)
}

// SetThumb marks an assistant message thumbs up (1), thumbs down (-1) or neither
// (0). Other roles and other values wrap ErrInvalid; an unknown id ErrNotFound.
func (db *DB) SetThumb(ctx context.Context, id int64, thumb int) error {
	if thumb < -1 || thumb > 1 {
		return fmt.Errorf("thumb %d: %w: must be 1 (up), -1 (down) or 0 (none)", thumb, ErrInvalid)
	}
	return db.editMessage(ctx, id, "set thumb", func(tx *sql.Tx, e msgEdit) error {
		if e.role != dataset.RoleAssistant {
			return fmt.Errorf("thumb: %w: only answers can be rated, this is a %s message", ErrInvalid, e.role)
		}
		return upsertEdit(ctx, tx, e, "thumb", thumb)
	})
}

// setConversation sets one column of a live conversation's row (column is named by
// the caller's code); an unknown id gives an error wrapping ErrNotFound.
func (db *DB) setConversation(ctx context.Context, id int64, column string, value any) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE conversations SET `+column+` = ? WHERE id = ? AND head_id IS NOT NULL`, value, id)
	if err != nil {
		return fmt.Errorf("set %s of conversation %d: %w", column, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	return nil
}

// intsJSON renders v as a JSON array, for json_each.
func intsJSON(v []int) string {
	b, _ := json.Marshal(v) // []int always encodes
	return string(b)
}
