//go:build cgo

package store

import (
	"database/sql"
	"fmt"

	"github.com/mattn/go-sqlite3" // the driver; built with -tags sqlite_fts5
)

// driverName is the mattn/go-sqlite3 driver with the settings DSN parameters cannot
// carry applied to each connection it opens.
const driverName = "sqlite3_llmtap"

// walPages is how many pages the WAL may grow to before a commit copies them into
// the database file (SQLite's default is 1,000, 4 MB). Capture dirties the same
// pages batch after batch (the right edges of the indexes, the search index's
// newest segments, the counters): a larger WAL copies and syncs each once for
// several batches instead of once per batch.
const walPages = 4000

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, walPages), nil)
		return err
	}})
}
