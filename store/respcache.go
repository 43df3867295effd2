package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CachedResponse is an answer kept by the gateway's response cache. It mirrors
// gateway/cache.Entry in plain types: store imports no net/http, and the gateway
// never imports store, so app adapts one to the other.
type CachedResponse struct {
	Status int
	Header map[string][]string
	Body   []byte
	// Chunks are the byte lengths of the upstream reads, summing to len(Body).
	Chunks  []int
	Stream  bool
	Created time.Time
}

// ErrTooLarge is wrapped by a Put whose entry alone is larger than the cache's cap.
var ErrTooLarge = errors.New("larger than the response cache")

// rowOverhead is what a row costs against the cap beyond its blobs: the key, the
// numbers, the index entries.
const rowOverhead = 128

// ResponseCache is the response cache in the database (migration 0015): entries
// expire after their TTL, and the oldest are evicted to keep the total under a cap.
// It is safe for concurrent use.
type ResponseCache struct {
	db  *DB
	max int64
}

// ResponseCache returns the database's response cache capped at maxBytes of stored
// (compressed) entries; 0 or less → 512 MiB.
func (db *DB) ResponseCache(maxBytes int64) *ResponseCache {
	if maxBytes <= 0 {
		maxBytes = 512 << 20
	}
	return &ResponseCache{db: db, max: maxBytes}
}

// Get returns the entry under key, or false when there is none or it expired at
// now (an expired row is deleted on the way).
func (c *ResponseCache) Get(ctx context.Context, key string, now time.Time) (*CachedResponse, bool, error) {
	var (
		e                CachedResponse
		created, expires int64
		header           string
		chunks, body     []byte
	)
	err := c.db.sql.QueryRowContext(ctx, `SELECT created_at, expires_at, status, stream, header, chunks, body
		FROM response_cache WHERE key = ?`, key).Scan(&created, &expires, &e.Status, &e.Stream, &header, &chunks, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read cached response: %w", err)
	}
	if now.UnixMilli() >= expires {
		if _, err := c.db.sql.ExecContext(ctx, `DELETE FROM response_cache WHERE key = ? AND expires_at <= ?`,
			key, now.UnixMilli()); err != nil {
			return nil, false, fmt.Errorf("delete expired cached response: %w", err)
		}
		return nil, false, nil
	}
	e.Created = fromMillis(created)
	if err := json.Unmarshal([]byte(header), &e.Header); err != nil {
		return nil, false, fmt.Errorf("read cached response header: %w", err)
	}
	if e.Chunks, err = unpackChunks(chunks); err != nil {
		return nil, false, err
	}
	if e.Body, err = unzstd(body); err != nil {
		return nil, false, fmt.Errorf("read cached response: %w", err)
	}
	return &e, true, nil
}

// Put keeps e under key until e.Created (or now, when zero) plus ttl, replacing what
// was there, then deletes what expired and the oldest entries while the total is
// over the cap. An entry larger than the whole cap is refused with ErrTooLarge.
func (c *ResponseCache) Put(ctx context.Context, key string, e *CachedResponse, ttl time.Duration) error {
	at := e.Created
	if at.IsZero() {
		at = time.Now()
	}
	header, err := json.Marshal(nonNilHeader(e.Header))
	if err != nil {
		return fmt.Errorf("cache response: %w", err)
	}
	chunks, body := packChunks(e.Chunks), packBody(e.Body)
	size := int64(len(header) + len(chunks) + len(body) + rowOverhead)
	if size > c.max {
		return fmt.Errorf("cache response of %d bytes stored: %w of %d", size, ErrTooLarge, c.max)
	}
	tx, err := c.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cache response: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM response_cache WHERE key = ? OR expires_at <= ?`,
		key, at.UnixMilli()); err != nil {
		return fmt.Errorf("cache response: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO response_cache
		(key, created_at, expires_at, status, stream, header, chunks, body, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		key, at.UnixMilli(), at.Add(ttl).UnixMilli(), e.Status, e.Stream, string(header), chunks, body, size); err != nil {
		return fmt.Errorf("cache response: %w", err)
	}
	if err := c.evict(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cache response: %w", err)
	}
	return nil
}

// evict deletes the oldest entries while the cache is over its cap. The entry just
// written is the newest and fits alone, so it stays.
func (c *ResponseCache) evict(ctx context.Context, tx *sql.Tx) error {
	for {
		var total int64
		if err := tx.QueryRowContext(ctx, `SELECT bytes FROM response_cache_size WHERE id = 1`).Scan(&total); err != nil {
			return fmt.Errorf("evict cached responses: %w", err)
		}
		if total <= c.max {
			return nil
		}
		// One at a time: in steady state a Put pushes out one or two entries, and a
		// batch would take more than the cap asks for.
		if _, err := tx.ExecContext(ctx, `DELETE FROM response_cache WHERE id = (SELECT MIN(id) FROM response_cache)`); err != nil {
			return fmt.Errorf("evict cached responses: %w", err)
		}
	}
}

// Size returns the cache's total size against its cap and how many entries it holds.
func (c *ResponseCache) Size(ctx context.Context) (bytes int64, entries int, err error) {
	err = c.db.sql.QueryRowContext(ctx, `SELECT (SELECT bytes FROM response_cache_size WHERE id = 1),
		(SELECT COUNT(*) FROM response_cache)`).Scan(&bytes, &entries)
	if err != nil {
		return 0, 0, fmt.Errorf("measure response cache: %w", err)
	}
	return bytes, entries, nil
}

// packChunks writes chunk lengths as unsigned varints.
func packChunks(chunks []int) []byte {
	out := make([]byte, 0, len(chunks)*2)
	for _, n := range chunks {
		out = binary.AppendUvarint(out, uint64(n))
	}
	return out
}

// unpackChunks undoes packChunks.
func unpackChunks(b []byte) ([]int, error) {
	var out []int
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 {
			return nil, errors.New("read cached response chunks: bad varint")
		}
		out = append(out, int(n))
		b = b[w:]
	}
	return out, nil
}
