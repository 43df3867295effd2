package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// A reindex writes every conversation and message again, and most of that cost was
// SQLite keeping the review list's indexes in order one insert at a time. None of
// them is read while threading, so the rebuild drops them when it clears the tree
// and builds each once at the end from a sorted scan (finishReindex), which is far
// cheaper than 100,000 incremental inserts into sixteen B-trees.
//
// The drop commits with the clear, so a crash or a stopped run leaves them missing
// until someone puts them back: Open does (restoreListIndexes), as does the end of
// any reindex, the next run's included. The definitions are here rather than read
// back from the schema, because after a crash there is no schema left to read;
// TestListIndexesMatchMigrations holds them to what the migrations create.

// listIndexes are the indexes a reindex drops and rebuilds, by name: only the review
// list, its counts and search read them; threading never does.
var listIndexes = []struct{ name, sql string }{
	{"conversations_updated", `CREATE INDEX conversations_updated ON conversations(updated_at, id,
	status, model, host, has_tool_calls, has_reasoning, has_errors) WHERE head_id IS NOT NULL`},
	{"conversations_created", `CREATE INDEX conversations_created ON conversations(created_at, id) WHERE head_id IS NOT NULL`},
	{"conversations_rounds", `CREATE INDEX conversations_rounds  ON conversations(rounds, id)     WHERE head_id IS NOT NULL`},
	{"conversations_tokens", `CREATE INDEX conversations_tokens  ON conversations(tokens, id)     WHERE head_id IS NOT NULL`},
	{"conversations_status_updated", `CREATE INDEX conversations_status_updated ON conversations(status, updated_at, id) WHERE head_id IS NOT NULL`},
	{"conversations_status_created", `CREATE INDEX conversations_status_created ON conversations(status, created_at, id) WHERE head_id IS NOT NULL`},
	{"conversations_status_rounds", `CREATE INDEX conversations_status_rounds  ON conversations(status, rounds, id)     WHERE head_id IS NOT NULL`},
	{"conversations_status_tokens", `CREATE INDEX conversations_status_tokens  ON conversations(status, tokens, id)     WHERE head_id IS NOT NULL`},
	{"conversations_model", `CREATE INDEX conversations_model    ON conversations(model, updated_at, id)    WHERE head_id IS NOT NULL`},
	{"conversations_host", `CREATE INDEX conversations_host     ON conversations(host, updated_at, id)     WHERE head_id IS NOT NULL`},
	{"conversations_provider", `CREATE INDEX conversations_provider ON conversations(provider, updated_at, id) WHERE head_id IS NOT NULL`},
	{"conversations_cost", `CREATE INDEX conversations_cost        ON conversations(cost, id)         WHERE head_id IS NOT NULL`},
	{"conversations_status_cost", `CREATE INDEX conversations_status_cost ON conversations(status, cost, id) WHERE head_id IS NOT NULL`},
	{"conversations_live", `CREATE INDEX conversations_live ON conversations(id,
	status, model, host, provider, has_tool_calls, has_reasoning, has_errors, updated_at) WHERE head_id IS NOT NULL`},
	{"conversations_not_live", `CREATE INDEX conversations_not_live ON conversations(id) WHERE head_id IS NULL`},
	{"messages_search_key", `CREATE INDEX messages_search_key ON messages ((conversation_id << 32) | id)`},
}

// execer is what both a transaction and the database run statements with.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// dropListIndexes drops those of listIndexes that exist.
func dropListIndexes(ctx context.Context, tx execer) error {
	for _, ix := range listIndexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	return nil
}

// restoreListIndexes creates those of listIndexes that are missing. With all of
// them present (every start but the first after an interrupted reindex) it is one
// read of the schema and writes nothing.
func restoreListIndexes(ctx context.Context, tx execer) error {
	names := make([]string, len(listIndexes))
	for i, ix := range listIndexes {
		names[i] = "'" + ix.name + "'"
	}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (`+
		strings.Join(names, ", ")+`)`)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ix := range listIndexes {
		if have[ix.name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, ix.sql); err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}

// restoreIndexes puts back the indexes a reindex that did not finish left
// dropped, in a transaction of its own.
func (db *DB) restoreIndexes(ctx context.Context) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := restoreListIndexes(ctx, tx); err != nil {
		return fmt.Errorf("restore the indexes an interrupted reindex dropped: %w", err)
	}
	return tx.Commit()
}

// searchDeleteTriggers keep the search indexes in step with deleted messages, one
// 'delete' each: for search_fts that tokenizes the message's text again.
var searchDeleteTriggers = []string{"search_fts_delete", "script_fts_delete"}

// clearTree deletes every conversation and message, and their tags (saved in
// reindex_marks by then). Row by row this cost most of a reindex: every deleted
// message had search_fts tokenize its text again, and with foreign keys on, a scan
// of conversations for a head_id naming it (no index leads there): quadratic in
// the size of the database. So tx runs on a connection with foreign keys off
// (withoutForeignKeys), empties the search indexes outright ('delete-all') and
// deletes with the search delete triggers set aside, putting them back as they
// were before it commits; messages then go in one truncation.
func clearTree(ctx context.Context, tx *sql.Tx) error {
	triggers := make([]string, 0, len(searchDeleteTriggers))
	for _, name := range searchDeleteTriggers {
		var def string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`,
			name).Scan(&def); err != nil {
			return fmt.Errorf("read trigger %s: %w", name, err)
		}
		triggers = append(triggers, def)
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+name); err != nil {
			return err
		}
	}
	for _, stmt := range []string{
		`INSERT INTO search_fts(search_fts) VALUES ('delete-all')`,
		`INSERT INTO script_fts(script_fts) VALUES ('delete-all')`,
		`DELETE FROM conversation_tags`,
		`DELETE FROM message_text_parts`, // foreign keys are off: no cascade
		`DELETE FROM messages`,
		`DELETE FROM conversations`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("clear conversations: %w", err)
		}
	}
	for _, def := range triggers {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("put back a search trigger: %w", err)
		}
	}
	return nil
}

// withoutForeignKeys takes a connection of db's pool and turns its foreign keys off
// (a pragma that does nothing inside a transaction). Closing the returned
// connection turns them on again before it goes back to the pool, or discards it
// when that fails.
func withoutForeignKeys(ctx context.Context, db *sql.DB) (*fkOffConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		return nil, err
	}
	return &fkOffConn{conn}, nil
}

type fkOffConn struct{ *sql.Conn }

func (c *fkOffConn) Close() error {
	if _, err := c.Conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
		c.Conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return c.Conn.Close()
}
