package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// A person's changes to messages live in message_edits under the conversation's
// stable identity and the message's path key (see migration 5), so they survive a
// reindex; Conversation and EachConversation apply them when reading. An edit
// changes the text, never the key: the key names what was captured, and a client
// resending the chat sends the captured text, which keeps threading onto the same
// message.

// EditMessage replaces the text of message id as shown and exported. The captured
// text stays stored and is shown as the original; editing back to it drops the
// edit. Empty text wraps ErrInvalid; an unknown id, ErrNotFound.
func (db *DB) EditMessage(ctx context.Context, id int64, content string) error {
	if strings.TrimSpace(content) == "" {
		return fmt.Errorf("edit message %d: content: %w: must not be empty", id, ErrInvalid)
	}
	return db.editMessage(ctx, id, "edit message", func(tx *sql.Tx, e msgEdit) error {
		var edited sql.NullString
		if content != e.captured {
			edited = sql.NullString{String: content, Valid: true}
		}
		return upsertEdit(ctx, tx, e, "content", edited)
	})
}

// ClearEdit puts message id back to its captured text.
func (db *DB) ClearEdit(ctx context.Context, id int64) error {
	return db.editMessage(ctx, id, "undo edit of message", func(tx *sql.Tx, e msgEdit) error {
		_, err := tx.ExecContext(ctx, `UPDATE message_edits SET content = NULL, updated_at = ?
			WHERE origin_exchange_id = ? AND key = ?`, e.now, e.origin, e.key)
		return err
	})
}

// SetTrain marks an assistant message to be trained on (the default) or not: an
// answer marked false is left out of exports together with its round (see
// Detail.dataset). Other roles wrap ErrInvalid.
func (db *DB) SetTrain(ctx context.Context, id int64, train bool) error {
	return db.editMessage(ctx, id, "set train flag of message", func(tx *sql.Tx, e msgEdit) error {
		if e.role != dataset.RoleAssistant {
			return fmt.Errorf("train: %w: only assistant messages can be left out of training, this is a %s message", ErrInvalid, e.role)
		}
		return upsertEdit(ctx, tx, e, "train", train)
	})
}

// SetPreferred marks an assistant message as the better answer among its siblings,
// unmarking them, or (preferred false) unmarks it. Other roles wrap ErrInvalid.
func (db *DB) SetPreferred(ctx context.Context, id int64, preferred bool) error {
	return db.editMessage(ctx, id, "set preferred answer", func(tx *sql.Tx, e msgEdit) error {
		if e.role != dataset.RoleAssistant {
			return fmt.Errorf("preferred: %w: only assistant messages can be preferred, this is a %s message", ErrInvalid, e.role)
		}
		if preferred {
			if _, err := tx.ExecContext(ctx, `UPDATE message_edits SET preferred = 0, updated_at = ?
				WHERE origin_exchange_id = ? AND preferred = 1 AND key IN (
					SELECT key FROM messages WHERE conversation_id = ? AND parent_id IS ? AND id != ?)`,
				e.now, e.origin, e.convID, e.parentID, id); err != nil {
				return err
			}
		}
		return upsertEdit(ctx, tx, e, "preferred", preferred)
	})
}

// upsertEdit sets one column of a message's row in message_edits, creating the row.
// column is one of the table's change columns, named by the caller's code.
func upsertEdit(ctx context.Context, tx *sql.Tx, e msgEdit, column string, value any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO message_edits (origin_exchange_id, key, `+column+`, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (origin_exchange_id, key)
		DO UPDATE SET `+column+` = excluded.`+column+`, updated_at = excluded.updated_at`,
		e.origin, e.key, value, e.now)
	return err
}

// msgEdit is what an edit of one message needs to know about it.
type msgEdit struct {
	origin, convID int64
	parentID       sql.NullInt64
	key, captured  string
	role           dataset.Role
	now            int64 // unix ms
}

// editMessage runs change on message id in one transaction and then drops rows
// that no longer hold a change. what names the operation in errors.
func (db *DB) editMessage(ctx context.Context, id int64, what string, change func(*sql.Tx, msgEdit) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	defer tx.Rollback()
	e := msgEdit{now: time.Now().UnixMilli()}
	err = tx.QueryRowContext(ctx, `SELECT m.conversation_id, m.parent_id, m.key, `+fullContent("m")+`, m.role FROM messages m WHERE m.id = ?`, id).
		Scan(&e.convID, &e.parentID, &e.key, &e.captured, &e.role)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if e.origin, err = ensureOrigin(ctx, tx, e.convID); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if err := change(tx, e); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	// The whole conversation: unmarking a preferred sibling may empty its row too.
	if _, err := tx.ExecContext(ctx, `DELETE FROM message_edits WHERE origin_exchange_id = ?
		AND content IS NULL AND train = 1 AND preferred = 0 AND thumb = 0`, e.origin); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	return nil
}
