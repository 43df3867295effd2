package store

import (
	"context"
	"database/sql"
	"fmt"
)

// LogCursor returns how far the capture log has been written into the database: the
// log position after the last capture stored (migration 0011).
func (db *DB) LogCursor(ctx context.Context) (int64, error) {
	var pos int64
	if err := db.sql.QueryRowContext(ctx, `SELECT indexed_to FROM capture_log WHERE id = 1`).Scan(&pos); err != nil {
		return 0, fmt.Errorf("read capture log cursor: %w", err)
	}
	return pos, nil
}

// WriteLogged stores caps as Write does and, in the same transaction, moves the
// capture log cursor to pos, so that after a crash the log is read again from
// exactly the first capture not stored. caps may be empty, to step past records
// that cannot be stored.
func (db *DB) WriteLogged(ctx context.Context, caps []Capture, pos int64) error {
	return db.writeTx(ctx, caps, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE capture_log SET indexed_to = ? WHERE id = 1`, pos); err != nil {
			return fmt.Errorf("move capture log cursor to %d: %w", pos, err)
		}
		return nil
	})
}
