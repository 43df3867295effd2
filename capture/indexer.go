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
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

const (
	// maxBatch caps the captures in one transaction, so the write lock is never held
	// long while the UI reads.
	maxBatch = 256
	// maxBatchBytes caps the bodies (decoded) read into one batch, so a run of large
	// bodies is indexed a few at a time, in bounded memory: parsing and storing a
	// body costs several times its size for a moment.
	maxBatchBytes = 2 << 20
	// bigBatch is the size of a batch's bodies (decoded) from which afterBig is
	// called once it is stored: a 30 MB request, not a 2 MB reply (calling it after
	// every four of those cost 20% more CPU per reply for 3 MB less at the peak).
	bigBatch = 8 << 20
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
	// afterBig, when set, is called after a batch of bigBatch bytes of bodies or
	// more was stored, with nothing of it left referenced.
	afterBig func()
	lg       *slog.Logger

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
	// ahead, when not nil, delivers the batch after the one being written: it is
	// read and parsed meanwhile, on the core SQLite leaves idle. It uses r, so r is
	// touched only once it has delivered.
	var ahead chan readAhead
	defer func() {
		if ahead != nil {
			releaseFrames((<-ahead).caps)
		}
	}()
	backoff := time.Duration(0)
	idleWork := 0
	for {
		var cur readAhead
		if ahead != nil {
			cur, ahead = <-ahead, nil
		} else {
			cur = ix.readAhead(r)
		}
		batch, err, changed := cur.batch, cur.err, cur.changed
		if len(batch) == 0 {
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
		// The next batch is read and parsed while this one is written, unless
		// holding two costs more than the overlap saves:
		//   - after a batch of big bodies (a 30 MB request), the second would hold
		//     another one's bodies, decoded and parsed;
		//   - after 2 MiB of parsed histories, the collector would have twice as many
		//     small objects to scan: ~30% more CPU per 100-turn history.
		// A long answer is one string the collector does not scan: after a batch of
		// one or two (a 2 MB reply: ~5 ms to read and parse, ~8 to write) the next
		// is parsed while SQLite writes.
		if cur.size < maxBatchBytes/4 || len(batch) <= 2 && cur.size < bigBatch {
			ch := make(chan readAhead, 1)
			go func() { ch <- ix.readAhead(r) }()
			ahead = ch
		}
		err = ix.store(batch, cur.caps)
		releaseFrames(cur.caps)
		if cur.size >= bigBatch && ix.afterBig != nil {
			cur, batch = readAhead{}, nil // what the batch held is garbage now
			ix.afterBig()
		}
		if err != nil {
			if ahead != nil {
				releaseFrames((<-ahead).caps) // what was read ahead is read again from the cursor
				ahead = nil
			}
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
		idleWork += len(batch)
		if err := ix.log.Remove(spool.Pos(ix.cursor.Load())); err != nil {
			ix.lg.Warn("capture log segment not removed", "err", err)
		}
	}
}

// readAhead is a batch read from the log and converted: what the indexer writes next.
type readAhead struct {
	batch   []logged
	caps    []store.Capture
	size    int             // the batch's bodies, decoded
	err     error           // why reading stopped before the batch was full
	changed <-chan struct{} // the log's Changed, taken before reading
}

func (ix *indexer) readAhead(r *spool.Reader) readAhead {
	changed := ix.log.Changed() // taken before reading, so no append is missed
	batch, size, err := readBatch(r)
	var caps []store.Capture
	if len(batch) > 0 {
		caps = ix.convertAll(batch)
	}
	return readAhead{batch: batch, caps: caps, size: size, err: err, changed: changed}
}

// releaseFrames lets go of the files of the request frames caps read from the log.
func releaseFrames(caps []store.Capture) {
	for i := range caps {
		caps[i].ReqZstd.Release()
	}
}

// logged is one record read from the log: its exchange, or why it could not be read.
type logged struct {
	ex     *proxy.Exchange
	frames bodyFrames // the bodies' frames in the record
	err    error
	end    spool.Pos // the log position after it
}

// readBatch reads and decodes records until it has maxBatch of them or their
// bodies reach maxBatchBytes (at least one record, however large). A record of
// lazyFrom bytes or more is read from where it lies (decodeRecordAt).
func readBatch(r *spool.Reader) ([]logged, int, error) {
	var batch []logged
	size := 0
	for len(batch) < maxBatch && size < maxBatchBytes {
		rec, sec, end, err := r.NextBig(lazyFrom)
		if err != nil {
			return batch, size, err
		}
		var ex *proxy.Exchange
		var frames bodyFrames
		if sec != nil {
			ex, frames, err = decodeRecordAt(sec)
		} else {
			ex, frames, err = decodeRecord(rec)
		}
		if err == nil {
			size += len(ex.ReqBody) + len(ex.RespBody)
		}
		batch = append(batch, logged{ex: ex, frames: frames, err: err, end: end})
	}
	return batch, size, nil
}

// convertAll parses the batch on every core.
func (ix *indexer) convertAll(batch []logged) []store.Capture {
	caps := make([]store.Capture, len(batch))
	workers := min(runtime.GOMAXPROCS(0), len(batch))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(batch) {
					return
				}
				if batch[i].err != nil {
					ix.lg.Error("capture record unreadable", "pos", batch[i].end, "err", batch[i].err)
					continue
				}
				ex := batch[i].ex
				if batch[i].frames.req != nil {
					// The body's frame goes with it: convert stores a big body as that
					// frame, and lets the round take the decoded copy over. (A record
					// read from where it lies comes with its frame there.)
					ex.ReqZstd, ex.ReqLen = zpool.FrameOf(batch[i].frames.req), len(ex.ReqBody)
				}
				caps[i] = ix.convert(ex)
				// Else converting changed the body (decoded it from gzip, say).
				if caps[i].ReqZstd == nil && sameBytes(caps[i].Exchange.ReqBody, ex.ReqBody) {
					caps[i].ReqZstd = ex.ReqZstd
				}
				if caps[i].ReqZstd != ex.ReqZstd {
					ex.ReqZstd.Release() // not stored: its file is let go now
				}
				if sameBytes(caps[i].Exchange.RespBody, batch[i].ex.RespBody) {
					// Once parsed, the decoded reply is not needed to store it: the frame
					// is, and a 2 MB reply is not held twice (decoded and parsed) while
					// SQLite writes it.
					caps[i].RespZstd, caps[i].RespLen = batch[i].frames.resp, len(batch[i].ex.RespBody)
					caps[i].Exchange.RespBody = nil
				}
				// Keys and hashes too: worked out here, they are off the writer's path
				// when this batch was read ahead.
				caps[i].Prepare()
				batch[i].ex, batch[i].frames = nil, bodyFrames{} // the converted copy is all that is needed now
			}
		}()
	}
	wg.Wait()
	return caps
}

// store writes the batch, converted as caps, in one transaction that moves the
// cursor past it. A batch the database refuses for what it holds is written one
// capture at a time, and a capture refused alone is counted as lost and stepped
// over; a refusal that passes (a full disk) is returned, and nothing is lost: the
// records stay in the log.
func (ix *indexer) store(batch []logged, caps []store.Capture) error {
	var good []store.Capture
	for i := range caps {
		if batch[i].err == nil {
			good = append(good, caps[i])
		} else {
			ix.lose(1, "a record in the capture log could not be read")
		}
	}
	end := batch[len(batch)-1].end
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
		if batch[i].err == nil {
			one = []store.Capture{caps[i]}
		}
		err := ix.db.WriteLogged(ix.ctx, one, int64(batch[i].end))
		if err != nil && (store.Retryable(err) || ix.ctx.Err() != nil) {
			return err
		}
		if err != nil {
			ix.lose(1, "the database refused a capture: "+err.Error())
			ix.lg.Error("capture not stored", "method", caps[i].Exchange.Method, "url", caps[i].Exchange.URL, "err", err)
			if err := ix.db.WriteLogged(ix.ctx, nil, int64(batch[i].end)); err != nil {
				return err
			}
			one = nil
		}
		ix.committed(batch[i].end, len(one))
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

// sameBytes reports whether a and b are the same non-empty bytes in memory (not
// only equal ones).
func sameBytes(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}
