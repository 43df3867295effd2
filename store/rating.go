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

// pageThumbs fills in how many answers of each listed conversation a reviewer rated
// up and down: one query for the page, along message_edits' primary key.
func (db *DB) pageThumbs(ctx context.Context, items []Summary) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	at := make(map[int64]int, len(items))
	for i, s := range items {
		ids[i], at[s.ID] = s.ID, i
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id, SUM(e.thumb > 0), SUM(e.thumb < 0)
		FROM conversations c JOIN message_edits e ON e.origin_exchange_id = c.origin_exchange_id
		WHERE c.id IN (SELECT value FROM json_each(?)) AND e.thumb != 0
		GROUP BY c.id`, int64sJSON(ids))
	if err != nil {
		return fmt.Errorf("thumbs of %d conversations: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var up, down int
		if err := rows.Scan(&id, &up, &down); err != nil {
			return fmt.Errorf("thumbs of %d conversations: %w", len(ids), err)
		}
		if i, ok := at[id]; ok {
			items[i].ThumbsUp, items[i].ThumbsDown = up, down
		}
	}
	return rows.Err()
}
