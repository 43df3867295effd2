package store

import (
	"context"
	"database/sql"
)

// remapEdits runs at the end of a reindex. Edits and choices are stored against the
// exchange that started a conversation, and a rebuild usually starts the same
// conversation from the same exchange, so they simply apply again (threading
// consults the choices as it goes). When the new parsers or threading put that
// exchange into a conversation another exchange starts (two chats now found to be
// one), its edits move to that conversation's identity; the message keys, being
// path hashes, are the same there. Rows whose exchange makes no conversation any
// more are kept: a later rebuild may bring it back, and they are small.
func remapEdits(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT o FROM (
			SELECT origin_exchange_id AS o FROM message_edits UNION SELECT origin_exchange_id FROM conversation_choices)
		WHERE o NOT IN (SELECT origin_exchange_id FROM conversations WHERE origin_exchange_id IS NOT NULL)`)
	if err != nil {
		return err
	}
	var lost []int64
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return err
		}
		lost = append(lost, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range lost {
		var convID int64
		var origin sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT c.id, c.origin_exchange_id FROM messages m
			JOIN conversations c ON c.id = m.conversation_id WHERE m.exchange_id = ? ORDER BY m.id LIMIT 1`, o).
			Scan(&convID, &origin)
		if err == sql.ErrNoRows || (err == nil && !origin.Valid) {
			continue
		}
		if err != nil {
			return err
		}
		// OR IGNORE: where the conversation has its own change for a message, it wins.
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE message_edits SET origin_exchange_id = ?
			WHERE origin_exchange_id = ?`, origin.Int64, o); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE conversation_choices SET origin_exchange_id = ?
			WHERE origin_exchange_id = ?`, origin.Int64, o); err != nil {
			return err
		}
		if err := refreshHead(ctx, tx, convID); err != nil {
			return err
		}
	}
	return nil
}
