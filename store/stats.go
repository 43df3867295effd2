package store

import (
	"context"
	"fmt"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// Facet is one value of a filter and how many conversations have it.
type Facet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets are the values the list filters offer, most common first.
type Facets struct {
	Models []Facet `json:"models"`
	Hosts  []Facet `json:"hosts"`
	Tags   []Tag   `json:"tags"`
	// ForwardKeys are the gateway forward key ids captures carry (ForwardKeys).
	ForwardKeys []string `json:"forwardKeys"`
}

// Facets counts conversations by model and by host, and lists the tags and the
// forward key ids.
func (db *DB) Facets(ctx context.Context) (Facets, error) {
	var f Facets
	var err error
	if f.Models, err = db.facet(ctx, "model"); err != nil {
		return f, err
	}
	if f.Hosts, err = db.facet(ctx, "host"); err != nil {
		return f, err
	}
	if f.Tags, err = db.AllTags(ctx); err != nil {
		return f, err
	}
	f.ForwardKeys, err = db.ForwardKeys(ctx)
	return f, err
}

// facet counts listed conversations by one column; col is a constant of ours.
func (db *DB) facet(ctx context.Context, col string) ([]Facet, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+col+`, COUNT(*) FROM conversations
		WHERE head_id IS NOT NULL GROUP BY `+col+` ORDER BY 2 DESC, 1`)
	if err != nil {
		return nil, fmt.Errorf("count conversations by %s: %w", col, err)
	}
	defer rows.Close()
	out := []Facet{}
	for rows.Next() {
		var f Facet
		if err := rows.Scan(&f.Value, &f.Count); err != nil {
			return nil, fmt.Errorf("count conversations by %s: %w", col, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DayCount is how many conversations started on one day (UTC).
type DayCount struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int    `json:"count"`
}

// Stats is the overview of what the database holds.
type Stats struct {
	ByStatus map[dataset.Status]int `json:"byStatus"` // every status, 0 included
	ByModel  []Facet                `json:"byModel"`
	// ByDay covers the StatsDays days up to today, oldest first; days without
	// conversations are left out.
	ByDay        []DayCount        `json:"byDay"`
	Tokens       int64             `json:"tokens"`       // over every listed conversation
	RecentErrors []ExchangeSummary `json:"recentErrors"` // the newest failed exchanges, newest first
}

// StatsDays is how far back Stats.ByDay reaches.
const StatsDays = 90

// recentErrors is how many failed exchanges Stats lists.
const recentErrors = 10

// Stats gathers the overview. now decides which days ByDay covers.
func (db *DB) Stats(ctx context.Context, now time.Time) (Stats, error) {
	st := Stats{ByStatus: map[dataset.Status]int{
		dataset.StatusUnreviewed: 0, dataset.StatusConfirmed: 0, dataset.StatusRejected: 0}}
	rows, err := db.sql.QueryContext(ctx, `SELECT status, COUNT(*) FROM conversations
		WHERE head_id IS NOT NULL GROUP BY status`)
	if err != nil {
		return st, fmt.Errorf("count by status: %w", err)
	}
	for rows.Next() {
		var s dataset.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("count by status: %w", err)
		}
		st.ByStatus[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("count by status: %w", err)
	}
	if st.ByModel, err = db.facet(ctx, "model"); err != nil {
		return st, err
	}
	if st.ByDay, err = db.byDay(ctx, now); err != nil {
		return st, err
	}
	if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(SUM(tokens), 0) FROM conversations WHERE head_id IS NOT NULL`).
		Scan(&st.Tokens); err != nil {
		return st, fmt.Errorf("sum tokens: %w", err)
	}
	st.RecentErrors, err = db.recentErrors(ctx)
	return st, err
}

func (db *DB) byDay(ctx context.Context, now time.Time) ([]DayCount, error) {
	y, m, d := now.UTC().Date()
	since := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(StatsDays - 1))
	rows, err := db.sql.QueryContext(ctx, `SELECT date(created_at / 1000, 'unixepoch') AS day, COUNT(*)
		FROM conversations WHERE head_id IS NOT NULL AND created_at >= ? GROUP BY day ORDER BY day`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("count by day: %w", err)
	}
	defer rows.Close()
	out := []DayCount{}
	for rows.Next() {
		var dc DayCount
		if err := rows.Scan(&dc.Day, &dc.Count); err != nil {
			return nil, fmt.Errorf("count by day: %w", err)
		}
		out = append(out, dc)
	}
	return out, rows.Err()
}

// recentErrors lists the newest failed exchanges (as ExchangesErrors has them). Unlike ListExchanges it counts
// nothing: a count would read every exchange row, bodies and all.
func (db *DB) recentErrors(ctx context.Context) ([]ExchangeSummary, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, method, host, path, status, dialect, stream, aborted,
		truncated, error, parse_error, started_at, COALESCE(first_byte_at, 0), ended_at,
		COALESCE(req_size, length(req_body)), COALESCE(resp_size, length(resp_body))
		FROM exchanges WHERE error != '' OR aborted OR status NOT BETWEEN 200 AND 299 OR parse_error != ''
		ORDER BY id DESC LIMIT ?`, recentErrors)
	if err != nil {
		return nil, fmt.Errorf("recent errors: %w", err)
	}
	defer rows.Close()
	out := []ExchangeSummary{}
	for rows.Next() {
		var e ExchangeSummary
		var start, first, end int64
		if err := rows.Scan(&e.ID, &e.Method, &e.Host, &e.Path, &e.Status, &e.Dialect, &e.Stream, &e.Aborted,
			&e.Truncated, &e.Err, &e.ParseErr, &start, &first, &end, &e.ReqBytes, &e.RespBytes); err != nil {
			return nil, fmt.Errorf("recent errors: %w", err)
		}
		e.Start = fromMillis(start)
		if end >= start {
			e.DurationMS = end - start
		}
		if first >= start && first != 0 {
			e.FirstByteMS = first - start
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Changed returns a number that grows whenever a conversation or its tags change
// (counted by triggers of migration 0004), so a poller can tell cheaply whether to
// refetch.
func (db *DB) Changed(ctx context.Context) (int64, error) {
	var n int64
	if err := db.sql.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'changed'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read change counter: %w", err)
	}
	return n, nil
}
