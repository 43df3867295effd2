package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// connMaxIdle is how long a pooled connection may sit unused before it is closed.
const connMaxIdle = 20 * time.Second

// ErrNotFound is wrapped by every lookup that finds nothing.
var ErrNotFound = errors.New("not found")

// ErrConflict is wrapped when a change clashes with what is stored (a tag name
// that is taken). The API answers it with 409.
var ErrConflict = errors.New("conflict")

// ErrInvalid is wrapped when input the caller can fix is refused (a full-text query
// that does not parse, a colour that is not #rrggbb); the error text names the field.
// The API answers it with 400.
var ErrInvalid = errors.New("invalid")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open llmtap database. It is safe for concurrent use; SQLite in WAL mode
// lets readers (the API, an export) run while the capture writer commits.
type DB struct {
	sql *sql.DB
	// searches keeps the matches of the latest searches (search.go).
	searches searchCache
	// rates are the prices SetRates was last given (rates.go).
	rates rateSource
	// refs are the recent request bodies new ones are stored against (bodyref.go);
	// bodies caches decoded request bodies for readers of those chains (bodyread.go).
	refs   refWindow
	bodies bodyCache
	// forwardKeys are the forward key ids exchanges carry (forwardkeys.go).
	forwardKeys forwardKeySeen
	// ckpt copies the WAL into the database file beside the writer (checkpoint.go).
	ckpt *checkpointer
}

// Open opens (creating if needed) the database file at path and applies any
// migrations it has not seen yet.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_synchronous", "NORMAL") // safe with WAL: a power cut may lose the last commit, never corrupt
	q.Set("_txlock", "immediate")   // writers take the lock up front instead of failing to upgrade
	// Threading runs the same few statements for every round; re-preparing them was
	// a third of its time. The cache is per pooled connection.
	q.Set("_stmt_cache_size", "64")
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	ckpt := newCheckpointer(path)
	sqlDB := sql.OpenDB(newConnector("file:"+path+"?"+q.Encode(), ckpt.committed))
	ckpt.db = sqlDB
	// Each pooled connection keeps a page cache and its prepared statements in the C
	// heap; a connection the UI or a burst of captures opened is closed once idle,
	// so an idle llmtap gives that memory back.
	sqlDB.SetConnMaxIdleTime(connMaxIdle)
	db := &DB{sql: sqlDB, ckpt: ckpt}
	if err := db.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if err := db.restoreIndexes(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	ckpt.start()
	return db, nil
}

// createPrivate creates an empty database file readable by its owner only, unless it
// exists. SQLite gives the -wal and -shm files the main file's mode, so this keeps all
// three private; left to the driver, they would be 0644 (issue 11).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Close closes the database.
func (db *DB) Close() error {
	db.ckpt.close()
	return db.sql.Close()
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_name.sql", e.Name())
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Numbers are handed out to changes made side by side, so one may land before a
	// lower one (issue 14's 0017 before 0015 and 0016): a gap is allowed, a number
	// used twice is not.
	for i, m := range ms {
		if i > 0 && m.version == ms[i-1].version {
			return nil, fmt.Errorf("migration %q: version %d is also %q", m.name, m.version, ms[i-1].name)
		}
	}
	return ms, nil
}

// afterMigration does, in a migration's transaction, what its SQL cannot.
func afterMigration(ctx context.Context, tx *sql.Tx, version int) error {
	switch version {
	case 16: // script_fts's text is made by Go (script.go)
		return indexScripts(ctx, tx, 0)
	}
	return nil
}

// migrate applies each migration newer than PRAGMA user_version in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if newest := ms[len(ms)-1].version; current > newest {
		return fmt.Errorf("schema version %d is newer than this llmtap knows (%d): upgrade llmtap", current, newest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		if err := afterMigration(ctx, tx, m.version); err != nil {
			tx.Rollback()
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		// PRAGMA takes no parameters; the version is an integer we produced.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// ReleaseMemory lets go of what the store keeps only to go faster, to be built
// again when next needed: the indexes of the recent request bodies new ones are
// stored against (up to 4 MB). The app calls it when capture goes idle.
func (db *DB) ReleaseMemory() { db.refs.dropIndexes() }
