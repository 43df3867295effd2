package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// maxBatch caps how many captures go into one transaction, so a burst cannot hold the
// write lock for long while the UI reads.
const maxBatch = 256

// DefaultMaxQueuedBytes bounds the bodies waiting for the disk. The queue never makes
// a client wait, so while the disk stalls it grows; past this bound a capture is
// dropped (the client's exchange still goes through) and counted as not saved, which
// the UI shows, rather than the process growing until the OS kills it and every
// queued capture is lost with it.
const DefaultMaxQueuedBytes = 512 << 20

// Recorder is the proxy's Sink: Capture only appends to an in-memory queue, and one
// writer goroutine turns queued exchanges into store captures and writes them in
// batched transactions. The client is never made to wait on the disk, and Close
// drains the queue so nothing captured is lost on a clean stop.
type Recorder struct {
	db  *store.DB
	log *slog.Logger

	mu       sync.Mutex
	queue    []*proxy.Exchange
	queued   int64 // bytes of the bodies in queue
	maxBytes int64
	closing  bool
	lastErr  string        // why the last capture was not saved, for the UI
	wake     chan struct{} // capacity 1: a pending wake-up for the writer
	done     chan struct{} // closed when the writer has drained and exited
	// progress is closed and replaced after every batch, so waiters can block on it.
	progress chan struct{}

	written atomic.Int64
	failed  atomic.Int64
}

// NewRecorder starts a recorder writing to db, queueing at most maxBytes of bodies
// (0 → DefaultMaxQueuedBytes). Stop it with Close.
func NewRecorder(db *store.DB, log *slog.Logger, maxBytes int64) *Recorder {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxQueuedBytes
	}
	r := &Recorder{db: db, log: log, maxBytes: maxBytes, wake: make(chan struct{}, 1), done: make(chan struct{}),
		progress: make(chan struct{})}
	go r.run()
	return r
}

// Capture queues ex for writing. It never blocks on I/O. After Close it drops ex and
// logs that it did, which only happens if the proxy outlives its recorder.
func (r *Recorder) Capture(_ context.Context, ex *proxy.Exchange) {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		r.log.Warn("capture after close dropped", "method", ex.Method, "url", ex.URL)
		return
	}
	size := exchangeBytes(ex)
	if r.queued+size > r.maxBytes && len(r.queue) > 0 {
		queued, queuedBytes := len(r.queue), r.queued
		r.lastErr = fmt.Sprintf("the disk is not keeping up: %d MiB of captures already wait to be written", queuedBytes>>20)
		r.mu.Unlock()
		r.failed.Add(1)
		r.log.Error("capture dropped: queue full", "method", ex.Method, "url", ex.URL, "queued", queued, "queued_bytes", queuedBytes)
		return
	}
	r.queue = append(r.queue, ex)
	r.queued += size
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Queued returns how many captures wait to be written.
func (r *Recorder) Queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue)
}

// exchangeBytes is what a queued exchange holds in memory, near enough.
func exchangeBytes(ex *proxy.Exchange) int64 { return int64(len(ex.ReqBody) + len(ex.RespBody) + 1024) }

// Unsaved returns how many captures were not stored since start (dropped while the
// queue was full, or refused by the database) and why the last one was not.
func (r *Recorder) Unsaved() (int64, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed.Load(), r.lastErr
}

// Written returns how many captures have been stored since start.
func (r *Recorder) Written() int64 { return r.written.Load() }

// WaitWritten blocks until at least n captures have been stored (or failed) since
// start, or ctx ends.
func (r *Recorder) WaitWritten(ctx context.Context, n int64) error {
	for {
		r.mu.Lock()
		ch := r.progress
		r.mu.Unlock()
		if r.written.Load()+r.failed.Load() >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d captures (have %d): %w", n, r.written.Load(), ctx.Err())
		}
	}
}

// Close stops accepting captures, writes everything still queued, and waits for the
// writer to finish or ctx to end.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("capture queue not drained before the shutdown deadline: %d captures not stored", r.Queued())
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	for range r.wake {
		for {
			batch, closing := r.take()
			if len(batch) == 0 {
				if closing {
					return
				}
				break
			}
			r.write(batch)
			r.mu.Lock()
			close(r.progress)
			r.progress = make(chan struct{})
			r.mu.Unlock()
		}
	}
}

// take removes up to maxBatch exchanges from the queue.
func (r *Recorder) take() ([]*proxy.Exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := min(len(r.queue), maxBatch)
	batch := r.queue[:n:n]
	r.queue = r.queue[n:]
	for _, ex := range batch {
		r.queued -= exchangeBytes(ex)
	}
	if len(r.queue) == 0 {
		r.queue = nil // let the backing array go
	}
	return batch, r.closing
}

func (r *Recorder) write(batch []*proxy.Exchange) {
	caps := captures(batch)
	// Writes outlive any request: the clients that produced them may be long gone.
	ctx := context.Background()
	err := r.db.Write(ctx, caps)
	if err == nil {
		r.written.Add(int64(len(caps)))
		return
	}
	// One bad capture must not take its batch down with it: retry them one by one.
	r.log.Warn("batch write failed, retrying one by one", "count", len(caps), "err", err)
	for _, c := range caps {
		if err := r.db.Write(ctx, []store.Capture{c}); err != nil {
			r.mu.Lock()
			r.lastErr = "the database refused a capture: " + err.Error()
			r.mu.Unlock()
			r.failed.Add(1)
			r.log.Error("capture not stored", "method", c.Exchange.Method, "url", c.Exchange.URL, "err", err)
			continue
		}
		r.written.Add(1)
	}
}
