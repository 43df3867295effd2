package cache

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Recorder records upstream answers into a Store as they are relayed. Its fields
// are read-only once it is in use; it is safe for concurrent use.
type Recorder struct {
	// Store receives the entries. Required.
	Store Store
	// TTL is how long an entry is served; 0 → one hour.
	TTL time.Duration
	// MaxBytes is the largest body recorded; a larger one is relayed and not kept.
	// 0 → 8 MiB.
	MaxBytes int
	// Now is the clock; nil → time.Now.
	Now func() time.Time
	// OnError, when set, is told why a finished answer was not stored (a Store
	// error). Nothing else is reported: an answer that is not cacheable is simply
	// not recorded.
	OnError func(key string, err error)
}

// Default values of Recorder's zero fields.
const (
	defaultTTL      = time.Hour
	defaultMaxBytes = 8 << 20
)

// Wrap makes resp's body record what is read through it, and returns resp. Once the
// body has been read to a clean end and closed, the answer is put in the Store
// under key, in Close, before it returns; Close must be called, as for any
// response body.
//
// Only a 200 whose body ended cleanly is kept: an error status, a read error (a
// cut stream), a body that ends short of its Content-Length, a body over MaxBytes,
// one closed before its end, or one with a Content-Encoding (the replay might go
// to a client that does not accept it; the caller should ask upstream for identity
// on a request it caches) is relayed as usual and never stored.
func (rc *Recorder) Wrap(ctx context.Context, key string, resp *http.Response) *http.Response {
	if resp.StatusCode != http.StatusOK || resp.Body == nil || !identity(resp.Header) {
		return resp
	}
	maxBytes := rc.MaxBytes
	if maxBytes <= 0 {
		maxBytes = defaultMaxBytes
	}
	if resp.ContentLength > int64(maxBytes) {
		return resp
	}
	resp.Body = &recording{
		ReadCloser: resp.Body, rc: rc, ctx: context.WithoutCancel(ctx), key: key, max: maxBytes,
		length: resp.ContentLength,
		entry:  Entry{Status: resp.StatusCode, Header: Keep(resp.Header), Stream: streamed(resp.Header)},
	}
	return resp
}

// streamed reports whether a response is a stream of events: server-sent events
// (OpenAI, Anthropic, Gemini) or newline-delimited JSON (Ollama).
func streamed(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/event-stream") || strings.HasPrefix(ct, "application/x-ndjson")
}

func identity(h http.Header) bool {
	enc := strings.TrimSpace(h.Get("Content-Encoding"))
	return enc == "" || strings.EqualFold(enc, "identity")
}

// recording is a body being recorded.
type recording struct {
	io.ReadCloser
	rc     *Recorder
	ctx    context.Context // the request's, without its cancellation: the put outlives the client
	key    string
	max    int
	length int64 // Content-Length, -1 when unknown

	mu      sync.Mutex
	entry   Entry
	ended   bool // read to io.EOF without an error
	spoiled bool // an error, or over max: never stored
	closed  bool
}

func (r *recording) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > 0 && !r.spoiled {
		if len(r.entry.Body)+n > r.max {
			r.spoiled, r.entry.Body, r.entry.Chunks = true, nil, nil
		} else {
			r.entry.Body = append(r.entry.Body, p[:n]...)
			r.entry.Chunks = append(r.entry.Chunks, n)
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		r.ended = true
	case err != nil:
		r.spoiled = true
	}
	return n, err
}

// Close closes the upstream body and, when it was read to a clean end, stores the
// answer.
func (r *recording) Close() error {
	err := r.ReadCloser.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return err
	}
	r.closed = true
	if !r.ended || r.spoiled || (r.length >= 0 && int64(len(r.entry.Body)) != r.length) {
		return err
	}
	now := time.Now
	if r.rc.Now != nil {
		now = r.rc.Now
	}
	ttl := r.rc.TTL
	if ttl <= 0 {
		ttl = defaultTTL
	}
	e := r.entry
	e.Created = now()
	if perr := r.rc.Store.Put(r.ctx, r.key, &e, ttl); perr != nil && r.rc.OnError != nil {
		r.rc.OnError(r.key, perr)
	}
	return err
}
