package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schemaOf returns the SQL of every index and trigger, by name.
func schemaOf(t *testing.T, db *DB) map[string]string {
	t.Helper()
	rows, err := db.sql.QueryContext(t.Context(), `SELECT name, sql FROM sqlite_master
		WHERE type IN ('index', 'trigger') AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		out[name] = def
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestListIndexesMatchMigrations: what a reindex drops it creates again exactly as
// the migrations made it.
func TestListIndexesMatchMigrations(t *testing.T) {
	schema := schemaOf(t, openTest(t))
	for _, ix := range listIndexes {
		if schema[ix.name] != ix.sql {
			t.Errorf("index %s: migrations made\n%s\nreindex makes\n%s", ix.name, schema[ix.name], ix.sql)
		}
	}
}

// searchTitles lists the titles of the conversations a search finds.
func searchTitles(t *testing.T, db *DB, q string) []string {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), ListOptions{Query: q, Limit: 100})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var out []string
	for _, s := range items {
		out = append(out, s.Title)
	}
	return out
}

// TestReindexKeepsSchemaAndSearch: a reindex, clean or stopped halfway, leaves every
// index and trigger as the migrations made them, and search finds what it found
// before (the rebuild empties the search indexes outright rather than message by
// message). A crash after the clear is the stopped run without its deferred repair:
// Open puts the indexes back.
func TestReindexKeepsSchemaAndSearch(t *testing.T) {
	tests := []struct {
		name string
		stop string // "", "cancel" (the run is stopped after its first batch), "crash"
	}{{"clean", ""}, {"stopped", "cancel"}, {"crash_then_open", "crash"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "llmtap.db")
			db, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			writeSteps(t, db, steps(
				round(msgs(user("where is the lighthouse")), bot("on the cliff")),
				round(msgs(user("bake sourdough")), bot("use a starter")),
				round(msgs(user("bake sourdough"), bot("use a starter"), user("how long")), bot("a day of tide and time")),
				round(msgs(user("成都美食")), bot("火锅")),
			))
			schema := schemaOf(t, db)
			searches := map[string][]string{}
			for _, q := range []string{"lighthouse", "tide", "sourdough", "成都", "火锅"} {
				searches[q] = searchTitles(t, db, q)
				if len(searches[q]) == 0 {
					t.Fatalf("search %q found nothing before reindex", q)
				}
			}
			switch tt.stop {
			case "cancel":
				ctx, cancel := context.WithCancel(t.Context())
				_, err := db.Reindex(ctx, ReindexOptions{Decide: fromBody, BatchSize: 1, Progress: func(int, int) { cancel() }})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("stopped Reindex error = %v, want context.Canceled", err)
				}
				if diff := cmp.Diff(schema, schemaOf(t, db)); diff != "" {
					t.Errorf("schema after a stopped reindex (-before +after):\n%s", diff)
				}
			case "crash":
				var st ReindexStats
				if _, err := db.beginReindex(t.Context(), &st); err != nil {
					t.Fatal(err)
				}
				if got := schemaOf(t, db); got["conversations_updated"] != "" {
					t.Fatal("beginReindex left the list's indexes in place; this test no longer tests Open")
				}
				db.Close()
				if db, err = Open(t.Context(), path); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(schema, schemaOf(t, db)); diff != "" {
					t.Errorf("schema after Open following a crashed reindex (-before +after):\n%s", diff)
				}
			}
			reindex(t, db, ReindexOptions{})
			if diff := cmp.Diff(schema, schemaOf(t, db)); diff != "" {
				t.Errorf("schema after reindex (-before +after):\n%s", diff)
			}
			for q, want := range searches {
				if diff := cmp.Diff(want, searchTitles(t, db, q)); diff != "" {
					t.Errorf("search %q after reindex (-before +after):\n%s", q, diff)
				}
			}
			// The connection that cleared the tree went back to the pool with foreign
			// keys on, like every other.
			var conns []*sql.Conn
			for range 4 {
				c, err := db.sql.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				var on bool
				if err := c.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&on); err != nil || !on {
					t.Errorf("a pooled connection has foreign_keys = %v (%v), want on", on, err)
				}
			}
			for _, c := range conns {
				c.Close()
			}
			// The delete triggers work again: a conversation deleted now leaves search.
			if _, err := db.sql.ExecContext(t.Context(), `UPDATE conversations SET head_id = NULL`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.sql.ExecContext(t.Context(), `DELETE FROM conversations`); err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"search_fts", "script_fts"} {
				var n int
				if err := db.sql.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table+` WHERE `+table+` MATCH 'sourdough OR 成都 OR tide'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("%s still matches %d deleted messages", table, n)
				}
			}
		})
	}
}
