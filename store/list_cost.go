package store

import (
	"context"
	"fmt"
	"sync"
)

// rateCache mirrors model_rates: the rates each model's stored costs were computed
// at. loaded is false until the table was read.
type rateCache struct {
	mu     sync.Mutex
	loaded bool
	rates  map[string]Rate
}

// syncRates brings the stored costs (conversations.cost, migration 0018) in line
// with rates: for each model of a listed conversation whose rate differs from the
// one model_rates holds (a new model, or a price edited since), it writes the new
// rate and reprices that model's conversations, along conversations_model. When
// nothing changed, as on almost every call, it costs one read of the distinct models.
func (db *DB) syncRates(ctx context.Context, rates Rates) error {
	c := &db.rates
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		m, err := db.readRates(ctx)
		if err != nil {
			return err
		}
		c.rates, c.loaded = m, true
	}
	models, err := db.listedModels(ctx)
	if err != nil {
		return err
	}
	type change struct {
		model string
		rate  Rate
		ok    bool
	}
	var changes []change
	for _, m := range models {
		r, ok := rates(m)
		old, had := c.rates[m]
		if ok != had || ok && r != old {
			changes = append(changes, change{m, r, ok})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reprice: %w", err)
	}
	defer tx.Rollback()
	for _, ch := range changes {
		if ch.ok {
			_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO model_rates (model, input, cached, cache_write, output)
				VALUES (?, ?, ?, ?, ?)`, ch.model, ch.rate.Input, ch.rate.Cached, ch.rate.CacheWrite, ch.rate.Output)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM model_rates WHERE model = ?`, ch.model)
		}
		if err != nil {
			return fmt.Errorf("reprice %s: %w", ch.model, err)
		}
		// Setting model to itself fires conversations_cost_update for each row.
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET model = model WHERE model = ?`, ch.model); err != nil {
			return fmt.Errorf("reprice %s: %w", ch.model, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reprice: %w", err)
	}
	for _, ch := range changes {
		if ch.ok {
			c.rates[ch.model] = ch.rate
		} else {
			delete(c.rates, ch.model)
		}
	}
	return nil
}

func (db *DB) readRates(ctx context.Context) (map[string]Rate, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT model, input, cached, cache_write, output FROM model_rates`)
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
func (db *DB) listedModels(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT model FROM conversations INDEXED BY conversations_model
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
