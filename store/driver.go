package store

import (
	"context"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3" // the driver; built with -tags sqlite_fts5
)

// walPages is how many pages may wait in the WAL before the checkpointer copies
// them into the database file (SQLite's default is 1,000, 4 MB). Capture dirties the
// same pages batch after batch (the right edges of the indexes, the search index's
// newest segments, the counters): a larger WAL copies and syncs each once for
// several batches instead of once per batch.
const walPages = 4000

// walInlinePages is the WAL's size (in pages since it last started over) from which
// the writers copy it themselves (checkpoint.go): the WAL starts over only when a
// transaction begins with it all copied, which a checkpointer running beside a
// writer that never pauses would never leave it. The capture writer then waits
// for the checkpoint under way and copies the rest (checkpointer.startOver); any
// other commit past this size checkpoints, as SQLite does by itself.
const walInlinePages = 4 * walPages

// connector opens connections to one database file, each set up for the
// checkpointer: SQLite's own checkpoint runs only past walInlinePages, and every
// commit tells onCommit.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func newConnector(dsn string, onCommit func()) *connector {
	c := &connector{dsn: dsn}
	c.drv = &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		return setUpConn(conn, onCommit)
	}}
	return c
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c *connector) Driver() driver.Driver                        { return c.drv }
