package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

const (
	// maxBatch caps the captures in one transaction, so the write lock is never held
	// long while the UI reads.
	maxBatch = 256
	// maxBatchBytes caps the records (compressed, as logged) read into one batch, so
	// a run of large bodies is indexed a few at a time, in bounded memory.
	maxBatchBytes = 1 << 20
	// maxBackoff is the longest wait between tries while the database refuses writes.
	maxBackoff = 10 * time.Second
)

// indexer follows the log and writes what it reads into the store.
type indexer struct {
	log     *spool.Log
	db      *store.DB
	convert func(*proxy.Exchange) store.Capture
	lose    func(n int64, reason string)
	onIdle  func()
	lg      *slog.Logger

	cursor  atomic.Int64 // log position up to which everything is stored
	indexed atomic.Int64 // captures stored since start
	backlog atomic.Int64 // records logged before start and not yet stored

	mu       sync.Mutex
	progress chan struct{} // closed and replaced after every commit
	lastErr  string        // why the database refuses writes now, or ""

	drain chan struct{} // closed by stop: finish what is logged, then return
	hard  context.CancelFunc
	ctx   context.Context
	done  chan struct{}
}

func (ix *indexer) run() {
	defer close(ix.done)
	r := ix.log.NewReader(spool.Pos(ix.cursor.Load()))
	defer func() { r.Close() }()
	backoff := time.Duration(0)
	idleWork := 0
	for {
		changed := ix.log.Changed() // taken before reading, so no append is missed
		recs, ends, err := readBatch(r)
		if len(recs) == 0 {
			switch {
			case errors.Is(err, spool.ErrCorrupt):
				ix.skipDamaged(r, err)
				continue
			case err != nil && err != io.EOF:
				ix.lg.Error("capture log unreadable", "pos", r.Pos(), "err", err)
				if !ix.sleep(&backoff) {
					return
				}
				continue
			}
			if idleWork > 0 && ix.onIdle != nil {
				ix.onIdle()
			}
			idleWork = 0
			select {
			case <-changed:
				continue
			case <-ix.drain:
				if spool.Pos(ix.cursor.Load()) >= ix.log.End() {
					return
				}
				continue
			case <-ix.ctx.Done():
				return
			}
		}
		if err := ix.store(recs, ends); err != nil {
			if ix.ctx.Err() != nil {
				return
			}
			ix.setErr(err.Error())
			ix.lg.Warn("database refuses captures; they stay in the capture log", "err", err)
			if !ix.sleep(&backoff) {
				return
			}
			// Read again from what is stored: the batch's memory is let go meanwhile.
			r.Close()
			r = ix.log.NewReader(spool.Pos(ix.cursor.Load()))
			continue
		}
		backoff = 0
		idleWork += len(recs)
		if err := ix.log.Remove(spool.Pos(ix.cursor.Load())); err != nil {
			ix.lg.Warn("capture log segment not removed", "err", err)
		}
	}
}

// readBatch reads up to maxBatch records or maxBatchBytes, whichever comes first,
// and the log position after each.
func readBatch(r *spool.Reader) ([][]byte, []spool.Pos, error) {
	var recs [][]byte
	var ends []spool.Pos
	size := 0
	for len(recs) < maxBatch && size < maxBatchBytes {
		rec, end, err := r.Next()
		if err != nil {
			return recs, ends, err
		}
		recs = append(recs, rec)
		ends = append(ends, end)
		size += len(rec)
	}
	return recs, ends, nil
}

// store decodes and parses recs on every core, then writes them in one transaction
// that moves the cursor past them. A batch the database refuses for what it holds
// is written one capture at a time, and a capture refused alone is counted as lost
// and stepped over; a refusal that passes (a full disk) is returned, and nothing is
// lost: the records stay in the log.
func (ix *indexer) store(recs [][]byte, ends []spool.Pos) error {
	caps := make([]store.Capture, len(recs))
	ok := make([]bool, len(recs))
	workers := min(runtime.GOMAXPROCS(0), len(recs))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(recs) {
					return
				}
				ex, err := decode(recs[i])
				if err != nil {
					ix.lg.Error("capture record unreadable", "pos", ends[i], "err", err)
					continue
				}
				recs[i] = nil // the decoded copy is all that is needed now
				caps[i], ok[i] = ix.convert(ex), true
			}
		}()
	}
	wg.Wait()
	var good []store.Capture
	for i := range caps {
		if ok[i] {
			good = append(good, caps[i])
		} else {
			ix.lose(1, "a record in the capture log could not be read")
		}
	}
	end := ends[len(ends)-1]
	err := ix.db.WriteLogged(ix.ctx, good, int64(end))
	if err == nil {
		ix.committed(end, len(good))
		return nil
	}
	if store.Retryable(err) || ix.ctx.Err() != nil {
		return err
	}
	ix.lg.Warn("batch refused, writing one by one", "count", len(good), "err", err)
	for i := range caps {
		var one []store.Capture
		if ok[i] {
			one = []store.Capture{caps[i]}
		}
		err := ix.db.WriteLogged(ix.ctx, one, int64(ends[i]))
		if err != nil && (store.Retryable(err) || ix.ctx.Err() != nil) {
			return err
		}
		if err != nil {
			ix.lose(1, "the database refused a capture: "+err.Error())
			ix.lg.Error("capture not stored", "method", caps[i].Exchange.Method, "url", caps[i].Exchange.URL, "err", err)
			if err := ix.db.WriteLogged(ix.ctx, nil, int64(ends[i])); err != nil {
				return err
			}
			one = nil
		}
		ix.committed(ends[i], len(one))
	}
	return nil
}

func (ix *indexer) committed(pos spool.Pos, n int) {
	ix.cursor.Store(int64(pos))
	ix.indexed.Add(int64(n))
	if b := ix.backlog.Load(); b > 0 {
		ix.backlog.Add(-min(b, int64(n)))
	}
	ix.mu.Lock()
	ix.lastErr = ""
	close(ix.progress)
	ix.progress = make(chan struct{})
	ix.mu.Unlock()
}

// skipDamaged steps over the rest of a damaged segment, counting it as lost.
func (ix *indexer) skipDamaged(r *spool.Reader, cause error) {
	at := r.Pos()
	to := r.Skip()
	ix.lg.Error("damaged capture log segment skipped", "from", at, "to", to, "err", cause)
	ix.lose(1, fmt.Sprintf("a damaged part of the capture log was skipped (%v)", cause))
	if err := ix.db.WriteLogged(ix.ctx, nil, int64(to)); err != nil {
		ix.lg.Error("capture log cursor not moved", "err", err)
		return
	}
	ix.committed(to, 0)
}

func (ix *indexer) setErr(s string) {
	ix.mu.Lock()
	ix.lastErr = s
	ix.mu.Unlock()
}

// sleep waits for the next try, doubling the wait up to maxBackoff. It reports
// false when the indexer must stop instead.
func (ix *indexer) sleep(backoff *time.Duration) bool {
	*backoff = min(max(2**backoff, 250*time.Millisecond), maxBackoff)
	t := time.NewTimer(*backoff)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ix.ctx.Done():
		return false
	case <-ix.drain:
		// Stopping: what the database refuses stays in the log for the next start.
		return false
	}
}
