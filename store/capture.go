package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/zpool"
)

// Exchange is one captured request/response as the store keeps it: redacted, with
// decoded bodies.
type Exchange struct {
	ID         int64               `json:"id"`
	Method     string              `json:"method"`
	URL        string              `json:"url"`
	Route      string              `json:"route"`
	Host       string              `json:"host"`
	Path       string              `json:"path"`
	Status     int                 `json:"status"`
	ReqHeader  map[string][]string `json:"reqHeader"`
	RespHeader map[string][]string `json:"respHeader"`
	ReqBody    []byte              `json:"-"`
	RespBody   []byte              `json:"-"`
	Stream     bool                `json:"stream"`
	Truncated  bool                `json:"truncated"`
	Aborted    bool                `json:"aborted"`
	Err        string              `json:"error,omitempty"`
	Dialect    dataset.Dialect     `json:"dialect,omitempty"`
	// Model is the model the request asked for (dataset.RequestModel), "" when unknown.
	Model string `json:"model,omitempty"`
	// ParseErr says why the bodies did not become a conversation round.
	ParseErr  string    `json:"parseError,omitempty"`
	Start     time.Time `json:"start"`
	FirstByte time.Time `json:"firstByte"`
	End       time.Time `json:"end"`
	// CacheHit is set on an exchange the gateway answered from its response cache
	// (migration 0015): kept, never threaded (see Capture.Round).
	CacheHit bool `json:"cacheHit,omitempty"`
	// ForwardKey names the gateway forward key that made the exchange (its ID, never
	// the key), "" when none.
	ForwardKey string `json:"forwardKey,omitempty"`
}

// Capture is one unit of work for Write: an exchange to store and, when it held a
// complete chat round, the round to thread into the conversations.
type Capture struct {
	Exchange Exchange
	// Round is nil for traffic that is not a chat, failed, was cut off or was
	// answered from the response cache: such exchanges are kept but never become
	// training turns.
	Round *dataset.Round
	// RespZstd, when set, is Exchange.RespBody as one zstd frame (the capture log's
	// copy): Write stores it as it is instead of compressing the body again.
	RespZstd []byte
	// ReqZstd, when set, is Exchange.ReqBody as one zstd frame (the capture log's
	// copy, in memory or where it lies in the log's file): Write stores it as it is
	// when the body is too big to be stored against another (over 4 MiB), instead of
	// compressing it again, reading a frame in a file a part at a time. Write does
	// not release it.
	ReqZstd *zpool.Frame
	// RespLen is the length of the body RespZstd decodes to, read only when RespZstd
	// is set and Exchange.RespBody is nil: a caller that has parsed a big reply may
	// let its decoded copy go before the write, which needs only the frame.
	RespLen int
	// ReqLen is the same for ReqZstd and Exchange.ReqBody, for a request body over
	// MaxRefBody (smaller ones are stored against earlier ones, from the body).
	ReqLen int
	// ParsedFromBodies says Round was parsed (dataset.Parse or ParseOwned) from the
	// Exchange's bodies as they are stored, in dialect Exchange.Dialect: an answer of
	// 256 KiB or more is then stored once, its response holding its text
	// (answertext.go). A round made any other way must leave it false.
	ParsedFromBodies bool

	// prep is what Prepare worked out, or nil.
	prep *prepared
}

// Prepare works out now what threading can from c's round alone (the keys of its
// messages, the hashes of its prelude and tools), which the write does otherwise.
// Hashing a long answer costs as much as writing it (a 2 MB reply: ~3.5 ms of
// ~20): a caller that prepares the next batch while this one is written keeps that
// off the writer's path. c.Round must not change after.
func (c *Capture) Prepare() {
	if c.Round != nil {
		c.prep = prepare(c.Round, c.Exchange.ReqHeader, c.bodyDialect())
	}
}

// bodyDialect is the dialect Round was parsed in from the stored bodies, or "".
func (c *Capture) bodyDialect() dataset.Dialect {
	if !c.ParsedFromBodies {
		return ""
	}
	return c.Exchange.Dialect
}

// MaxRefBody is the longest request body stored against an earlier one; a longer
// one is stored whole, as the capture log's frame of it when the caller has that.
const MaxRefBody = maxRefBody

// Write stores a batch of captures in one transaction, threading each round into
// the conversation it continues. It is meant for one writer goroutine: SQLite
// serialises writers anyway, and batching is what makes capture cheap.
func (db *DB) Write(ctx context.Context, caps []Capture) error {
	return db.writeTx(ctx, caps, nil)
}

// writeTx stores caps in one transaction and, when also is not nil, runs it inside
// the same transaction (the capture log's cursor moves with what it indexed).
func (db *DB) writeTx(ctx context.Context, caps []Capture, also func(*sql.Tx) error) error {
	if len(caps) == 0 && also == nil {
		return nil
	}
	// Compressed before the transaction: the write lock is held for the inserts only.
	bodies, remember := db.refs.pack(caps)
	// So is what threading can work out from a round alone (keys, hashes, encodings).
	preps := prepareAll(caps)
	db.ckpt.startOver(ctx)
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write %d captures: %w", len(caps), err)
	}
	defer tx.Rollback()
	if err := db.priceNewModels(ctx, tx, caps); err != nil { // rates.go
		return err
	}
	if err := writeCaptures(ctx, tx, caps, bodies, preps); err != nil {
		return err
	}
	if also != nil {
		if err := also(tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write %d captures: %w", len(caps), err)
	}
	remember()
	return nil
}

// writeCaptures inserts each capture's exchange and threads its round, in order,
// then indexes the messages it added for search.
func writeCaptures(ctx context.Context, tx *sql.Tx, caps []Capture, bodies []packedBodies, preps []*prepared) error {
	w, err := newWriter(ctx, tx)
	if err != nil {
		return err
	}
	for i := range caps {
		c := &caps[i]
		id, err := insertExchange(ctx, tx, &c.Exchange, bodies[i])
		if err != nil {
			return fmt.Errorf("write exchange %s %s: %w", c.Exchange.Method, c.Exchange.URL, err)
		}
		c.Exchange.ID = id
		if preps[i] != nil {
			if err := w.thread(ctx, id, c.Exchange.Host, c.Exchange.Start, preps[i]); err != nil {
				return fmt.Errorf("thread exchange %d: %w", id, err)
			}
		}
	}
	return w.finish(ctx)
}

// packedBodies are an exchange's bodies as stored (refWindow.pack).
type packedBodies struct {
	req, resp []byte
	reqFrame  *zpool.Frame // instead of req: the request body's frame, stored as it is
	reqLen    int          // the request body's length as captured
	respLen   int          // the response body's length as captured
	codec     string
	// ref is the exchange the request is a delta against (codecRef), read at insert
	// time: a reference earlier in the same batch has its ID only once inserted.
	ref *int64
}

func insertExchange(ctx context.Context, tx *sql.Tx, e *Exchange, bodies packedBodies) (int64, error) {
	reqH, err := json.Marshal(nonNilHeader(e.ReqHeader))
	if err != nil {
		return 0, err
	}
	respH, err := json.Marshal(nonNilHeader(e.RespHeader))
	if err != nil {
		return 0, err
	}
	var ref sql.NullInt64
	if bodies.ref != nil {
		if *bodies.ref == 0 {
			// Only an insert order that differs from caps' could get here; storing
			// the delta would make the body unreadable.
			return 0, errors.New("request body stored against an exchange not inserted yet")
		}
		ref = sql.NullInt64{Int64: *bodies.ref, Valid: true}
	}
	// A body stored as 4 MiB or more goes in parts (textparts.go).
	req, parts, part, err := storedBody(bodies.req, bodies.reqFrame)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO exchanges
		(started_at, first_byte_at, ended_at, method, url, route, host, path, status,
		 req_headers, resp_headers, req_body, req_parts, resp_body, stream, truncated, aborted,
		 error, dialect, parse_error, body_codec, req_size, resp_size, req_ref, model, cache_hit, forward_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		millis(e.Start), nullMillis(e.FirstByte), millis(e.End), e.Method, e.URL, e.Route, e.Host, e.Path,
		e.Status, string(reqH), string(respH), req, parts, bodies.resp,
		e.Stream, e.Truncated, e.Aborted, e.Err, string(e.Dialect), e.ParseErr, bodies.codec, bodies.reqLen, bodies.respLen, ref, e.Model,
		e.CacheHit, e.ForwardKey)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, insertBodyParts(ctx, tx, id, parts, part)
}

func nonNilHeader(h map[string][]string) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	return h
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
