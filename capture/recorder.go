package capture

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
)

// DefaultMaxHeld is RecorderConfig.MaxHeld's zero-value default.
const DefaultMaxHeld = 32 << 20

// retryEvery is how often records held in memory are offered to the disk again.
const retryEvery = time.Second

// Recorder is the proxy's Sink. Capture appends the exchange to the log and returns
// once it is durable; when the disk refuses it, the record is held in memory (up to
// a bound) and appended later, and the client is never kept waiting for that.
type Recorder struct {
	log        appender
	lg         *slog.Logger
	unsaved    *unsavedFile
	maxHeld    int64
	stallAfter time.Duration

	flushMu   sync.Mutex
	mu        sync.Mutex
	held      [][]byte // records the disk refused, oldest first
	heldBytes int64
	lastErr   string
	closed    bool
	kick      chan struct{} // capacity 1: the retry loop should try now
	done      chan struct{}

	appended atomic.Int64
}

// appender is where a Recorder puts records: the log (*spool.Log), or a stand-in
// that fails or stalls on demand in tests.
type appender interface {
	Append(recs ...[]byte) (spool.Pos, error)
	AppendPartsAsync(parts ...spool.Part) <-chan spool.Appended
}

// DefaultStallAfter is how long Capture waits for the disk before it lets the
// client have its answer anyway: a healthy group commit takes milliseconds, and a
// disk that hangs (a stalled network mount) must not hang every client with it.
const DefaultStallAfter = 5 * time.Second

// newRecorder returns a Recorder appending to log and counting losses in the tally
// at unsavedPath; maxHeld <= 0 means DefaultMaxHeld. Stop it with Close, then
// close the tally with closeTally once nothing else counts losses.
func newRecorder(log appender, unsavedPath string, maxHeld int64, lg *slog.Logger) *Recorder {
	if maxHeld <= 0 {
		maxHeld = DefaultMaxHeld
	}
	r := &Recorder{log: log, lg: lg, maxHeld: maxHeld, stallAfter: DefaultStallAfter, kick: make(chan struct{}, 1), done: make(chan struct{})}
	u, err := openUnsaved(unsavedPath)
	if err != nil {
		// Capture goes on; the tally is kept in memory (or starts over) and the log says why.
		r.lg.Error("unsaved tally not persisted", "path", unsavedPath, "err", err)
	}
	r.unsaved = u
	go r.retryLoop()
	return r
}

// Capture makes ex durable in the log before it returns, or, when the disk refuses
// it, holds it in memory to try again. It never fails the client's exchange.
func (r *Recorder) Capture(_ context.Context, ex *proxy.Exchange) {
	rec, err := encodeParts(ex)
	if err != nil {
		ex.ReqZstd.Release()
		r.lose(1, "a capture could not be encoded: "+err.Error())
		r.lg.Error("capture not encoded", "method", ex.Method, "url", ex.URL, "err", err)
		return
	}
	r.mu.Lock()
	closed, waiting := r.closed, len(r.held) > 0
	r.mu.Unlock()
	if closed {
		ex.ReqZstd.Release()
		r.lose(1, "a capture arrived after llmtap began to stop")
		r.lg.Warn("capture after close dropped", "method", ex.Method, "url", ex.URL)
		return
	}
	if !waiting {
		r.appendOrDetach(rec, ex.ReqZstd)
		return
	}
	// Records wait already: this one queues behind them, so the log keeps their order.
	r.holdParts(rec, nil)
	ex.ReqZstd.Release()
}

// appendOrDetach appends rec and waits until it is durable, or, if the disk takes
// longer than stallAfter, stops waiting and lets the append finish behind the
// client's back: its result is then handled the same way when it comes. The
// request body's frame, which rec may read from its file, is released after.
func (r *Recorder) appendOrDetach(rec parts, frame *zpool.Frame) {
	done := r.log.AppendPartsAsync([]spool.Part(rec)...)
	t := time.NewTimer(r.stallAfter)
	defer t.Stop()
	select {
	case res := <-done:
		r.appended1(rec, res.Err)
		frame.Release()
	case <-t.C:
		r.lg.Warn("capture log stalled; the client has its answer, the record is still being written", "waited", r.stallAfter)
		go func() {
			r.appended1(rec, (<-done).Err)
			frame.Release()
		}()
	}
}

// appended1 counts rec as appended, or holds it when the log refused it.
func (r *Recorder) appended1(rec parts, err error) {
	if err != nil {
		r.holdParts(rec, err)
		return
	}
	r.appended.Add(1)
}

// holdParts is hold for a record in parts, which it reads into one slice.
func (r *Recorder) holdParts(rec parts, cause error) {
	b, err := rec.join()
	if err != nil {
		r.lose(1, "a capture could not be held in memory: "+err.Error())
		r.lg.Error("capture not held", "err", err)
		return
	}
	r.hold(b, cause)
}

// hold keeps rec for the retry loop, or counts it as unsaved when the bound is reached.
func (r *Recorder) hold(rec []byte, cause error) {
	r.mu.Lock()
	if cause != nil {
		r.lastErr = cause.Error()
	}
	reason := r.lastErr
	if r.heldBytes+int64(len(rec)) > r.maxHeld {
		held := r.heldBytes
		r.mu.Unlock()
		r.lose(1, fmt.Sprintf("the disk refused captures (%s) and %d MiB of them already wait in memory", reason, held>>20))
		return
	}
	r.held = append(r.held, rec)
	r.heldBytes += int64(len(rec))
	first := len(r.held) == 1
	r.mu.Unlock()
	if first && cause != nil {
		r.lg.Error("capture log refused a record; holding captures in memory until it takes them", "err", cause)
	}
	r.poke()
}

func (r *Recorder) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// lose counts n captures as unsaved, persistently.
func (r *Recorder) lose(n int64, reason string) {
	if err := r.unsaved.add(n, reason); err != nil {
		r.lg.Error("unsaved tally not persisted", "err", err)
	}
}

// retryLoop offers held records to the log again every retryEvery, and at once
// when poked, until Close.
func (r *Recorder) retryLoop() {
	defer close(r.done)
	t := time.NewTicker(retryEvery)
	defer t.Stop()
	for {
		select {
		case <-r.kick:
		case <-t.C:
		}
		r.flushHeld()
		r.mu.Lock()
		closed := r.closed
		r.mu.Unlock()
		if closed {
			return
		}
	}
}

// flushHeld appends the held records, oldest first. It reports whether none wait.
func (r *Recorder) flushHeld() bool {
	// One flush at a time: two would append the same records twice.
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch := r.held
	r.mu.Unlock()
	if len(batch) == 0 {
		return true
	}
	if _, err := r.log.Append(batch...); err != nil {
		r.mu.Lock()
		r.lastErr = err.Error()
		r.mu.Unlock()
		return false
	}
	var n int64
	for _, b := range batch {
		n += int64(len(b))
	}
	r.mu.Lock()
	r.held = r.held[len(batch):]
	if len(r.held) == 0 {
		r.held = nil
	}
	r.heldBytes -= n
	left := len(r.held)
	r.mu.Unlock()
	r.appended.Add(int64(len(batch)))
	r.lg.Info("capture log took the held records", "count", len(batch))
	return left == 0
}

// Appended returns how many captures reached the log since start.
func (r *Recorder) Appended() int64 { return r.appended.Load() }

// Held returns how many captures wait in memory for the disk.
func (r *Recorder) Held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.held)
}

// Unsaved returns the tally of captures that could not be kept; it survives
// restarts until Dismiss.
func (r *Recorder) Unsaved() Unsaved { return r.unsaved.get() }

// Dismiss sets the unsaved tally back to nothing: someone has seen it.
func (r *Recorder) Dismiss() error { return r.unsaved.dismiss() }

// Close stops taking captures, tries once more to append what is held, and counts
// what still cannot be as unsaved. The log and the tally stay open.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.poke()
	select {
	case <-r.done:
	case <-ctx.Done():
	}
	var err error
	if !r.flushHeld() {
		r.mu.Lock()
		n, reason := len(r.held), r.lastErr
		r.held, r.heldBytes = nil, 0
		r.mu.Unlock()
		r.lose(int64(n), "llmtap stopped while the disk still refused captures: "+reason)
		err = fmt.Errorf("%d captures not kept: the disk refused them until llmtap stopped: %s", n, reason)
	}
	return err
}

func (r *Recorder) closeTally() error { return r.unsaved.close() }
