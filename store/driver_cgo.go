//go:build cgo

package store

import (
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// setUpConn sets a new connection up for the checkpointer (checkpoint.go).
func setUpConn(conn *sqlite3.SQLiteConn, onCommit func()) error {
	if _, err := conn.Exec(fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, walInlinePages), nil); err != nil {
		return err
	}
	// Called inside the commit, before its pages reach the WAL: the checkpointer
	// sees them at the next commit, or when it is next woken.
	conn.RegisterCommitHook(func() int {
		onCommit()
		return 0
	})
	return nil
}
