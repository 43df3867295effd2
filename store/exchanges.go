package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// ExchangeSummary is one row of the exchange log: every proxied request, chat or not
// (model lists, embeddings, failures).
type ExchangeSummary struct {
	ID        int64     `json:"id"`
	Method    string    `json:"method"`
	Host      string    `json:"host"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Dialect   string    `json:"dialect,omitempty"`
	Model     string    `json:"model,omitempty"`
	Stream    bool      `json:"stream"`
	Aborted   bool      `json:"aborted"`
	Truncated bool      `json:"truncated"`
	Err       string    `json:"error,omitempty"`
	ParseErr  string    `json:"parseError,omitempty"`
	Start     time.Time `json:"start"`
	// DurationMS is the time from the request to the end of the response;
	// FirstByteMS to its first byte (0 when none came).
	DurationMS  int64 `json:"durationMs"`
	FirstByteMS int64 `json:"firstByteMs"`
	ReqBytes    int64 `json:"reqBytes"`
	RespBytes   int64 `json:"respBytes"`
	// CacheHit and ForwardKey are Exchange's.
	CacheHit   bool   `json:"cacheHit,omitempty"`
	ForwardKey string `json:"forwardKey,omitempty"`
}

// ExchangeKind narrows an exchange listing.
type ExchangeKind string

// The kinds ListExchanges knows. The zero value lists every exchange.
const (
	ExchangesAll    ExchangeKind = ""
	ExchangesChat   ExchangeKind = "chat"   // recognised LLM chat dialects
	ExchangesRerank ExchangeKind = "rerank" // rerank APIs (dataset.Rerank), never chats
	ExchangesOther  ExchangeKind = "other"  // everything else: models, embeddings, …
	ExchangesErrors ExchangeKind = "errors" // failed, aborted, non-2xx or unparsed
)

// ExchangeListOptions selects a page of exchanges, newest first. The zero value is
// the first 50 of all.
type ExchangeListOptions struct {
	Limit  int // 0 → 50
	Offset int
	Kind   ExchangeKind
	ExchangeFilter
}

// ListExchanges returns a page of exchanges, newest first, and how many match.
// Its text filter matches the URL, model and errors (see SearchExchanges for bodies).
func (db *DB) ListExchanges(ctx context.Context, opt ExchangeListOptions) ([]ExchangeSummary, int, error) {
	where, args, err := opt.where()
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchanges `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count exchanges: %w", err)
	}
	items, err := db.summaries(ctx, where, args, opt.limit(), opt.Offset)
	return items, total, err
}

// SearchExchanges is ListExchanges with the text also looked for in the decoded
// bodies, among the newest MaxBodySearch exchanges the other filters keep; partial
// is set when older ones were not searched (total then counts what was).
func (db *DB) SearchExchanges(ctx context.Context, opt ExchangeListOptions) (items []ExchangeSummary, total int, partial bool, err error) {
	text := strings.TrimSpace(opt.Text)
	if text == "" {
		items, total, err = db.ListExchanges(ctx, opt)
		return items, total, false, err
	}
	opt.Text = ""
	where, args, err := opt.where()
	if err != nil {
		return nil, 0, false, err
	}
	ids, partial, err := db.searchBodies(ctx, where, args, text)
	if err != nil {
		return nil, 0, false, err
	}
	page := ids[min(opt.Offset, len(ids)):min(opt.Offset+opt.limit(), len(ids))]
	if len(page) == 0 {
		return []ExchangeSummary{}, len(ids), partial, nil
	}
	in := make([]any, len(page))
	for i, id := range page {
		in[i] = id
	}
	items, err = db.summaries(ctx, `WHERE id IN (?`+strings.Repeat(",?", len(page)-1)+`)`, in, len(page), 0)
	return items, len(ids), partial, err
}

func (opt ExchangeListOptions) limit() int {
	if opt.Limit <= 0 {
		return 50
	}
	return opt.Limit
}

// where is the SQL WHERE clause (or "") of opt's kind and filter, with its arguments.
func (opt ExchangeListOptions) where() (string, []any, error) {
	var where string
	switch opt.Kind {
	case ExchangesAll:
	case ExchangesChat:
		where = `dialect NOT IN ('', 'rerank')`
	case ExchangesRerank:
		where = `dialect = 'rerank'`
	case ExchangesOther:
		where = `dialect = ''`
	case ExchangesErrors:
		where = `(error != '' OR aborted OR status NOT BETWEEN 200 AND 299 OR parse_error != '')`
	default:
		return "", nil, fmt.Errorf("exchange kind %q: must be chat, rerank, other or errors: %w", opt.Kind, ErrInvalid)
	}
	cond, args, err := opt.ExchangeFilter.where()
	if err != nil {
		return "", nil, err
	}
	switch {
	case where != "" && cond != "":
		where += " AND " + cond
	case cond != "":
		where = cond
	}
	if where == "" {
		return "", args, nil
	}
	return "WHERE " + where, args, nil
}

// summaries reads a page of exchange rows matching where, newest first.
func (db *DB) summaries(ctx context.Context, where string, args []any, limit, offset int) ([]ExchangeSummary, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, method, host, path, status, dialect, model, stream, aborted,
		truncated, error, parse_error, started_at, COALESCE(first_byte_at, 0), ended_at,
		COALESCE(req_size, length(req_body)), COALESCE(resp_size, length(resp_body)), cache_hit, forward_key
		FROM exchanges `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(append([]any(nil), args...), limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("list exchanges: %w", err)
	}
	defer rows.Close()
	items := []ExchangeSummary{}
	for rows.Next() {
		var e ExchangeSummary
		var start, first, end int64
		if err := rows.Scan(&e.ID, &e.Method, &e.Host, &e.Path, &e.Status, &e.Dialect, &e.Model, &e.Stream, &e.Aborted,
			&e.Truncated, &e.Err, &e.ParseErr, &start, &first, &end, &e.ReqBytes, &e.RespBytes, &e.CacheHit, &e.ForwardKey); err != nil {
			return nil, fmt.Errorf("list exchanges: %w", err)
		}
		e.Start = fromMillis(start)
		if end >= start {
			e.DurationMS = end - start
		}
		if first >= start && first != 0 {
			e.FirstByteMS = first - start
		}
		items = append(items, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list exchanges: %w", err)
	}
	return items, nil
}

// Exchange returns one stored exchange with its headers and bodies, or an error
// wrapping ErrNotFound.
func (db *DB) Exchange(ctx context.Context, id int64) (*Exchange, error) {
	var e Exchange
	var start, end int64
	var first sql.NullInt64
	var reqH, respH, dialect, codec string
	var ref sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT id, method, url, route, host, path, status, req_headers,
		resp_headers, `+fullReqBody("exchanges")+`, resp_body, stream, truncated, aborted, error, dialect, parse_error,
		started_at, first_byte_at, ended_at, body_codec, req_ref, model, cache_hit, forward_key FROM exchanges WHERE id = ?`, id).Scan(
		&e.ID, &e.Method, &e.URL, &e.Route, &e.Host, &e.Path, &e.Status, &reqH, &respH, &e.ReqBody, &e.RespBody,
		&e.Stream, &e.Truncated, &e.Aborted, &e.Err, &dialect, &e.ParseErr, &start, &first, &end, &codec, &ref,
		&e.Model, &e.CacheHit, &e.ForwardKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("exchange %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load exchange %d: %w", id, err)
	}
	if err := db.unpackBodies(ctx, id, codec, ref, &e.ReqBody, &e.RespBody); err != nil {
		return nil, fmt.Errorf("exchange %d: %w", id, err)
	}
	e.Dialect = dataset.Dialect(dialect)
	e.Start, e.End = fromMillis(start), fromMillis(end)
	if first.Valid {
		e.FirstByte = fromMillis(first.Int64)
	}
	if err := json.Unmarshal([]byte(reqH), &e.ReqHeader); err != nil {
		return nil, fmt.Errorf("exchange %d request headers: %w", id, err)
	}
	if err := json.Unmarshal([]byte(respH), &e.RespHeader); err != nil {
		return nil, fmt.Errorf("exchange %d response headers: %w", id, err)
	}
	return &e, nil
}

// CountExchangesSince counts the exchanges captured at or after t.
func (db *DB) CountExchangesSince(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchanges WHERE started_at >= ?`, t.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count exchanges since %s: %w", t.Format(time.RFC3339), err)
	}
	return n, nil
}
