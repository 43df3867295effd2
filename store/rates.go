package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// The list's cost (conversations.cost, migration 0018) is the chosen path's usage at
// the rates of model_rates, which the triggers of 0018 apply whenever a row's model
// or usage changes. model_rates is written in two places only, both writes already:
// SetRates, where prices change (the app at start and when prices are saved), and a
// capture's transaction, for a model it brings for the first time. A list only reads.

// rateSource holds the prices SetRates was last given.
type rateSource struct {
	mu    sync.Mutex
	rates Rates // nil until SetRates
}

func (s *rateSource) get() Rates {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rates
}

// SetRates makes rates the prices of the stored costs. For each model of a listed
// conversation whose rate differs from the one model_rates holds (a price edited, a
// model priced or unpriced since), it writes the new rate and reprices that model's
// conversations, all in one transaction, and returns how many models it repriced;
// when nothing changed it costs two small reads. Captures stored afterwards price a
// model they bring for the first time at rates. Call it where prices change; it is
// safe for concurrent use with captures and lists.
func (db *DB) SetRates(ctx context.Context, rates Rates) (int, error) {
	// The source first: a capture that reads it after this prices new models at
	// rates, and one that read the old rates commits before the transaction below
	// begins (writers are serialised), which then sees and reprices its models.
	db.rates.mu.Lock()
	db.rates.rates = rates
	db.rates.mu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("reprice: %w", err)
	}
	defer tx.Rollback()
	stored, err := readRates(ctx, tx)
	if err != nil {
		return 0, err
	}
	models, err := listedModels(ctx, tx)
	if err != nil {
		return 0, err
	}
	repriced := 0
	for _, m := range models {
		r, ok := rates(m)
		old, had := stored[m]
		if ok == had && (!ok || r == old) {
			continue
		}
		if ok {
			_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO model_rates (model, input, cached, cache_write, output)
				VALUES (?, ?, ?, ?, ?)`, m, r.Input, r.Cached, r.CacheWrite, r.Output)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM model_rates WHERE model = ?`, m)
		}
		if err != nil {
			return 0, fmt.Errorf("reprice %s: %w", m, err)
		}
		// Setting model to itself fires conversations_cost_update for each row.
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET model = model WHERE model = ?`, m); err != nil {
			return 0, fmt.Errorf("reprice %s: %w", m, err)
		}
		repriced++
	}
	if repriced == 0 {
		return 0, nil
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("reprice: %w", err)
	}
	return repriced, nil
}

// priceNewModels writes, in a capture's transaction and before its rounds are
// threaded, the rate of each model of caps that model_rates lacks and SetRates'
// prices know, so that the triggers cost the conversations the captures create or
// continue as they are written. Before any SetRates it does nothing.
func (db *DB) priceNewModels(ctx context.Context, tx *sql.Tx, caps []Capture) error {
	rates := db.rates.get()
	if rates == nil {
		return nil
	}
	seen := map[string]bool{}
	for i := range caps {
		r := caps[i].Round
		if r == nil || seen[r.Model] {
			continue
		}
		seen[r.Model] = true
		rate, ok := rates(r.Model)
		if !ok {
			continue
		}
		// IGNORE: a model already there has SetRates' rate.
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO model_rates (model, input, cached, cache_write, output)
			VALUES (?, ?, ?, ?, ?)`, r.Model, rate.Input, rate.Cached, rate.CacheWrite, rate.Output); err != nil {
			return fmt.Errorf("price model %s: %w", r.Model, err)
		}
	}
	return nil
}

func readRates(ctx context.Context, tx *sql.Tx) (map[string]Rate, error) {
	rows, err := tx.QueryContext(ctx, `SELECT model, input, cached, cache_write, output FROM model_rates`)
	if err != nil {
		return nil, fmt.Errorf("read model rates: %w", err)
	}
	defer rows.Close()
	m := map[string]Rate{}
	for rows.Next() {
		var model string
		var r Rate
		if err := rows.Scan(&model, &r.Input, &r.Cached, &r.CacheWrite, &r.Output); err != nil {
			return nil, fmt.Errorf("read model rates: %w", err)
		}
		m[model] = r
	}
	return m, rows.Err()
}

// listedModels returns the models of the listed conversations, from conversations_model.
func listedModels(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT model FROM conversations INDEXED BY conversations_model
		WHERE head_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("list models: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
