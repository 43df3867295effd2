package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Health is how the upstreams fared over a window: one row per host and one per
// model (requests naming none are under ""), busiest first.
type Health struct {
	// Since is where the window starts; zero for all time.
	Since  time.Time   `json:"since,omitzero"`
	Hosts  []HealthRow `json:"hosts"`
	Models []HealthRow `json:"models"`
}

// HealthRow is the figures of one host or model. Latencies are in milliseconds,
// over successful exchanges only (a refused request answers fast and would flatter
// them); TTFB is from the request to the first response byte of successful
// streams, which for SSE is the first event: time to first token, give or take an
// empty role delta. A percentile is 0 when nothing was measured.
type HealthRow struct {
	Name     string `json:"name"`
	Requests int    `json:"requests"`
	OK       int    `json:"ok"`
	// Streams counts the successful streams the TTFB percentiles are over.
	Streams int `json:"streams"`
	// SuccessRate is OK/Requests, from 0 to 1.
	SuccessRate  float64      `json:"successRate"`
	LatencyP50MS int64        `json:"latencyP50Ms"`
	LatencyP95MS int64        `json:"latencyP95Ms"`
	TTFBP50MS    int64        `json:"ttfbP50Ms"`
	TTFBP95MS    int64        `json:"ttfbP95Ms"`
	Errors       HealthErrors `json:"errors"`
}

// HealthErrors counts the failed exchanges by kind; each failure is in one kind.
type HealthErrors struct {
	// ByStatus counts 4xx answers by status code ("429": 3), except 408.
	ByStatus map[string]int `json:"byStatus,omitempty"`
	// Server counts 5xx answers other than 504.
	Server int `json:"server"`
	// Timeouts counts 408 and 504 answers and transport errors that say timeout.
	Timeouts int `json:"timeouts"`
	// Cut counts replies the upstream cut off mid-body (a stream that broke).
	Cut int `json:"cut"`
	// Unreachable counts requests that got no response at all (refused, DNS, TLS).
	Unreachable int `json:"unreachable"`
	// Aborted counts exchanges the client gave up on before they ended.
	Aborted int `json:"aborted"`
	// Other counts failures of no kind above (a request body llmtap refused).
	Other int `json:"other"`
}

// healthSample is one exchange as Health reads it.
type healthSample struct {
	status          int
	aborted, stream bool
	ttfb, total     int64 // ms; ttfb < 0 when no byte came
	errText         string
}

// ok reports whether the exchange succeeded: an answer below 400, whole.
func (s healthSample) ok() bool {
	return s.status >= 100 && s.status < 400 && !s.aborted && s.errText == ""
}

// classify adds the failed exchange s to e.
func (e *HealthErrors) classify(s healthSample) {
	lower := strings.ToLower(s.errText)
	switch {
	case s.aborted:
		e.Aborted++
	case strings.HasPrefix(lower, "upstream response cut off"):
		e.Cut++
	case s.status == 408 || s.status == 504 || strings.Contains(lower, "timeout") ||
		strings.Contains(lower, "deadline exceeded") || strings.Contains(lower, "did not receive the whole request body within"):
		e.Timeouts++
	case strings.HasPrefix(lower, "llmtap cannot reach upstream"):
		e.Unreachable++
	case s.status >= 500:
		e.Server++
	case s.status >= 400:
		if e.ByStatus == nil {
			e.ByStatus = map[string]int{}
		}
		e.ByStatus[fmt.Sprint(s.status)]++
	default:
		e.Other++
	}
}

// healthAcc gathers one row's samples.
type healthAcc struct {
	row         HealthRow
	total, ttfb []int64
}

func (a *healthAcc) add(s healthSample) {
	a.row.Requests++
	if !s.ok() {
		a.row.Errors.classify(s)
		return
	}
	a.row.OK++
	a.total = append(a.total, s.total)
	if s.stream && s.ttfb >= 0 {
		a.ttfb = append(a.ttfb, s.ttfb)
	}
}

func (a *healthAcc) finish() HealthRow {
	r := a.row
	if r.Requests > 0 {
		r.SuccessRate = float64(r.OK) / float64(r.Requests)
	}
	r.LatencyP50MS, r.LatencyP95MS = percentiles(a.total)
	r.Streams = len(a.ttfb)
	r.TTFBP50MS, r.TTFBP95MS = percentiles(a.ttfb)
	return r
}

// percentiles returns the 50th and 95th percentiles of v (nearest rank), sorting
// v in place; 0, 0 for none.
func percentiles(v []int64) (p50, p95 int64) {
	if len(v) == 0 {
		return 0, 0
	}
	slices.Sort(v)
	rank := func(p int) int64 { return v[(len(v)*p+99)/100-1] }
	return rank(50), rank(95)
}

// Health computes the figures of the exchanges started at or after since (zero
// time: all of them). It reads only the exchanges_health index, never a row.
func (db *DB) Health(ctx context.Context, since time.Time) (*Health, error) {
	return db.health(ctx, since, "INDEXED BY exchanges_health")
}

// health is Health reading exchanges as the index clause says; the benchmark
// compares it with the plans the query had before migration 14.
func (db *DB) health(ctx context.Context, since time.Time, index string) (*Health, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT host, model, status, aborted, stream,
		COALESCE(first_byte_at - started_at, -1), ended_at - started_at, error
		FROM exchanges `+index+` WHERE started_at >= ?`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("health since %v: %w", since, err)
	}
	defer rows.Close()
	hosts, models := map[string]*healthAcc{}, map[string]*healthAcc{}
	acc := func(m map[string]*healthAcc, k string) *healthAcc {
		a := m[k]
		if a == nil {
			a = &healthAcc{row: HealthRow{Name: k}}
			m[k] = a
		}
		return a
	}
	for rows.Next() {
		var host, model string
		var s healthSample
		if err := rows.Scan(&host, &model, &s.status, &s.aborted, &s.stream, &s.ttfb, &s.total, &s.errText); err != nil {
			return nil, fmt.Errorf("health since %v: %w", since, err)
		}
		acc(hosts, host).add(s)
		acc(models, model).add(s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("health since %v: %w", since, err)
	}
	return &Health{Since: since, Hosts: healthRows(hosts), Models: healthRows(models)}, nil
}

// healthRows finishes each accumulator, busiest first, then by name.
func healthRows(m map[string]*healthAcc) []HealthRow {
	out := make([]HealthRow, 0, len(m))
	for _, a := range m {
		out = append(out, a.finish())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Name < out[j].Name
	})
	return out
}
