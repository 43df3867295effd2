package cache

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header is the header llmtap puts on answers served from the cache
// ("x-llmtap-cache: hit") and reads on requests that ask for it ("on"; "off" turns
// a model's cache: true off for one request).
const Header = "X-Llmtap-Cache"

// Entry is a recorded answer.
type Entry struct {
	Status int
	// Header is the upstream header without hop-by-hop, per-request and time
	// headers (see Keep); Content-Length is set again on replay.
	Header http.Header
	Body   []byte
	// Chunks are the byte lengths of each read of the upstream body, summing to
	// len(Body), so a streamed answer is replayed with its original chunking.
	Chunks []int
	Stream bool
	// Created is when the answer was recorded.
	Created time.Time
}

// Store keeps entries. Implementations are safe for concurrent use and enforce a
// size cap of their own, evicting what they choose.
type Store interface {
	// Get returns the entry under key, or false when there is none or it expired
	// at now.
	Get(ctx context.Context, key string, now time.Time) (*Entry, bool, error)
	// Put keeps e under key for ttl, replacing what was there. An entry larger than
	// the store's whole cap is refused with an error wrapping ErrTooLarge.
	Put(ctx context.Context, key string, e *Entry, ttl time.Duration) error
}

// ErrTooLarge is wrapped by the error of a Put whose entry cannot fit the store.
var ErrTooLarge = errors.New("cache entry larger than the cache")

// dropped are the response headers an entry does not keep: hop-by-hop (RFC 9110
// 7.6.1), those about one moment (Date, Age, rate-limit counters, Retry-After),
// about one request (ids, timings, cookies) and the length, set again on replay.
var dropped = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Date", "Age", "Expires", "Last-Modified", "Retry-After", "Set-Cookie", "Content-Length",
	"X-Request-Id", "Request-Id", "Cf-Ray", "Openai-Processing-Ms", "X-Envoy-Upstream-Service-Time",
	Header}

// droppedPrefixes are header name prefixes dropped likewise (rate-limit counters).
var droppedPrefixes = []string{"X-Ratelimit-", "Anthropic-Ratelimit-", "X-Llmtap-"}

// Keep returns a copy of h with only what an answer served later may repeat.
func Keep(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, k := range dropped {
		delete(out, k)
	}
	for k := range out {
		for _, p := range droppedPrefixes {
			if strings.HasPrefix(k, p) {
				delete(out, k)
			}
		}
	}
	return out
}

// Replay returns a response serving e: its status and header with "x-llmtap-cache:
// hit", and a body whose reads yield e's chunks one by one. A JSON answer gets its
// Content-Length; a stream, none (it is relayed chunked, as it came). The response
// shares e's body bytes, which must not change while it is read.
func Replay(e *Entry) *http.Response {
	h := e.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(Header, "hit")
	length := int64(-1)
	if !e.Stream {
		length = int64(len(e.Body))
		h.Set("Content-Length", strconv.Itoa(len(e.Body)))
	}
	return &http.Response{
		Status:     strconv.Itoa(e.Status) + " " + http.StatusText(e.Status),
		StatusCode: e.Status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length,
		Body: &chunkReader{body: e.Body, chunks: e.Chunks},
	}
}

// chunkReader yields body in the given chunk lengths: a Read returns at most the
// rest of the current chunk, never across into the next.
type chunkReader struct {
	body   []byte
	chunks []int
	cur    int // bytes left of chunks[0]; 0 → start the next
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.body) == 0 {
		return 0, io.EOF
	}
	if c.cur == 0 {
		if len(c.chunks) == 0 {
			c.cur = len(c.body) // lengths that sum short of the body: the rest is one chunk
		} else {
			c.cur, c.chunks = min(c.chunks[0], len(c.body)), c.chunks[1:]
		}
	}
	n := copy(p[:min(len(p), c.cur)], c.body)
	c.body, c.cur = c.body[n:], c.cur-n
	return n, nil
}

func (c *chunkReader) Close() error { return nil }

// Wants reports whether r asked for the cache: "x-llmtap-cache: on", or modelOn
// (the model's cache: true in the file) unless the header says "off".
func Wants(r *http.Request, modelOn bool) bool {
	switch strings.ToLower(strings.TrimSpace(r.Header.Get(Header))) {
	case "on":
		return true
	case "off":
		return false
	}
	return modelOn
}
