package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// forwardKeySeen keeps the forward key ids (issue 13) stored exchanges carry, and
// the last exchange id looked at. No index leads to exchanges.forward_key, and the
// column comes after the bodies in each row, so a scan reads the whole table: it
// is done once, then only the exchanges stored since are read (exchanges are
// appended, never changed or deleted, and ids only grow).
type forwardKeySeen struct {
	mu   sync.Mutex
	upTo int64
	ids  map[string]bool
}

// ForwardKeys returns the gateway forward key ids stored exchanges carry, sorted:
// the values the review list's forward_key filter can match. The first call reads
// every exchange; later ones only those stored since. It is safe for concurrent use.
func (db *DB) ForwardKeys(ctx context.Context) ([]string, error) {
	c := &db.forwardKeys
	c.mu.Lock()
	defer c.mu.Unlock()
	var last int64
	if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM exchanges`).Scan(&last); err != nil {
		return nil, fmt.Errorf("forward keys: last exchange: %w", err)
	}
	if last > c.upTo {
		// Rows up to last are all committed: a writer takes the next id and
		// commits under SQLite's one write lock.
		rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT forward_key FROM exchanges
			WHERE id > ? AND id <= ? AND forward_key != ''`, c.upTo, last)
		if err != nil {
			return nil, fmt.Errorf("forward keys: %w", err)
		}
		defer rows.Close()
		found := []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("forward keys: %w", err)
			}
			found = append(found, id)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("forward keys: %w", err)
		}
		if c.ids == nil {
			c.ids = map[string]bool{}
		}
		for _, id := range found {
			c.ids[id] = true
		}
		c.upTo = last
	}
	out := make([]string, 0, len(c.ids))
	for id := range c.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}
