//go:build cgo

package store

import (
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// setUpConn sets a new connection up for the checkpointer (checkpoint.go) and gives
// it the SQL function of answers stored once (answertext.go).
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
	// What reads a long answer stored once gets its text from its response
	// (answertext.go, fullContent).
	return conn.RegisterFunc(answerTextFunc, answerText, true)
}
