package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// UsageRow is one day and model of traffic: the requests and their latency, and the
// tokens their answers reported. Latencies are over successful requests, as in
// Health; tokens are the usage the responses carried (0 where a provider sends none).
type UsageRow struct {
	// Day is the date the requests started on, YYYY-MM-DD in the location asked for.
	Day          string `json:"day"`
	Model        string `json:"model"`
	Requests     int    `json:"requests"`
	OK           int    `json:"ok"`
	LatencyP50MS int64  `json:"latencyP50Ms"`
	LatencyP95MS int64  `json:"latencyP95Ms"`
	// Answers counts the answers that reported usage; InputTokens and OutputTokens
	// sum it. CachedTokens (read from a prompt cache) and CacheWriteTokens (written to
	// one) are parts of InputTokens, kept apart since migration 0018.
	Answers          int   `json:"answers"`
	InputTokens      int64 `json:"inputTokens"`
	OutputTokens     int64 `json:"outputTokens"`
	CachedTokens     int64 `json:"cachedTokens"`
	CacheWriteTokens int64 `json:"cacheWriteTokens"`
}

// Usage is traffic over a window three ways: per day and model, per day (Model
// ""), and per model (Day ""), each ordered by day then model.
type Usage struct {
	ByDayModel []UsageRow `json:"byDayModel"`
	ByDay      []UsageRow `json:"byDay"`
	ByModel    []UsageRow `json:"byModel"`
}

type usageKey struct {
	view       int // 0 day and model, 1 day, 2 model
	day, model string
}

// usageAcc sums rows under the three views at once.
type usageAcc struct {
	loc  *time.Location
	rows map[usageKey]*UsageRow
	lat  map[usageKey][]int64
}

// each calls f with the row of every view the exchange at startMS for model is in.
func (a *usageAcc) each(startMS int64, model string, f func(k usageKey, r *UsageRow)) {
	day := time.UnixMilli(startMS).In(a.loc).Format(time.DateOnly)
	for _, k := range [...]usageKey{{0, day, model}, {1, day, ""}, {2, "", model}} {
		r := a.rows[k]
		if r == nil {
			r = &UsageRow{Day: k.day, Model: k.model}
			a.rows[k] = r
		}
		f(k, r)
	}
}

// Usage returns the traffic of the exchanges started at or after since, days in
// loc. Requests and latencies come from the exchanges_health index; tokens from the
// answers' stored usage, joined through their exchange.
func (db *DB) Usage(ctx context.Context, since time.Time, loc *time.Location) (*Usage, error) {
	a := &usageAcc{loc: loc, rows: map[usageKey]*UsageRow{}, lat: map[usageKey][]int64{}}
	rows, err := db.sql.QueryContext(ctx, `SELECT started_at, model, status, aborted, ended_at - started_at, error
		FROM exchanges INDEXED BY exchanges_health WHERE started_at >= ?`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("usage since %v: %w", since, err)
	}
	for rows.Next() {
		var start int64
		var model string
		var s healthSample
		if err := rows.Scan(&start, &model, &s.status, &s.aborted, &s.total, &s.errText); err != nil {
			rows.Close()
			return nil, fmt.Errorf("usage since %v: %w", since, err)
		}
		a.each(start, model, func(k usageKey, r *UsageRow) {
			r.Requests++
			if s.ok() {
				r.OK++
				a.lat[k] = append(a.lat[k], s.total)
			}
		})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("usage since %v: %w", since, err)
	}
	// messages has no index on exchange_id, so the answers are read in one pass and
	// each looks up its exchange by primary key.
	rows, err = db.sql.QueryContext(ctx, `SELECT e.started_at, e.model, m.prompt_tokens, m.completion_tokens,
			m.cached_tokens, m.cache_write_tokens
		FROM messages m JOIN exchanges e ON e.id = m.exchange_id
		WHERE m.total_tokens > 0 AND e.started_at >= ?`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("usage tokens since %v: %w", since, err)
	}
	defer rows.Close()
	for rows.Next() {
		var start, in, out, cached, written int64
		var model string
		if err := rows.Scan(&start, &model, &in, &out, &cached, &written); err != nil {
			return nil, fmt.Errorf("usage tokens since %v: %w", since, err)
		}
		a.each(start, model, func(_ usageKey, r *UsageRow) {
			r.Answers++
			r.InputTokens += in
			r.OutputTokens += out
			r.CachedTokens += cached
			r.CacheWriteTokens += written
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage tokens since %v: %w", since, err)
	}
	var views [3][]UsageRow
	for k, r := range a.rows {
		r.LatencyP50MS, r.LatencyP95MS = percentiles(a.lat[k])
		views[k.view] = append(views[k.view], *r)
	}
	for _, v := range views {
		sort.Slice(v, func(i, j int) bool {
			if v[i].Day != v[j].Day {
				return v[i].Day < v[j].Day
			}
			return v[i].Model < v[j].Model
		})
	}
	return &Usage{ByDayModel: orEmpty(views[0]), ByDay: orEmpty(views[1]), ByModel: orEmpty(views[2])}, nil
}

func orEmpty(v []UsageRow) []UsageRow {
	if v == nil {
		return []UsageRow{}
	}
	return v
}
