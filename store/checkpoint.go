package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"log/slog"
	"os"
	"sync"
	"time"
)

// checkpointer copies the WAL's pages into the database file on a goroutine of its
// own, once walPages of them wait there. SQLite's own checkpoint runs inside the
// commit that crosses its limit: a capture batch waited for a copy of the batches
// before it, and for two fsyncs, on the path every capture is stored through (a 2 MB
// reply: ~6.6 ms of its ~20; issue 11). Here the copy runs beside the next batch, on
// the core the writer leaves idle.
//
// Past walInlinePages it leaves the copying to the writer: the capture writer waits
// for the checkpoint under way and copies the rest before its next transaction,
// which then starts the WAL over (startOver); any other writer's commit does it
// (driver.go). Beside a writer that never pauses the WAL would otherwise never be
// found all copied, and would grow with everything written.
//
// It learns how many pages wait from the WAL index (the -shm file): its header holds
// the WAL's last frame (mxFrame, offset 16) and the checkpoint info after the two
// header copies holds the last frame copied (nBackfill, offset 96), both 32-bit in
// the host's byte order (https://www.sqlite.org/walformat.html, section 2.2). A
// stale or torn read only moves a checkpoint by a commit. The file is opened for
// each read: SQLite deletes it when the last connection closes (the pool closes
// idle ones) and makes a new one with the next, so a file kept open would go stale.
// Where it cannot be read, the checkpointer checkpoints when woken, at most once a
// second.
type checkpointer struct {
	db      *sql.DB // set once opened
	started bool
	shm     string
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	// mu is held through each checkpoint, so the writer can wait for the one under
	// way (startOver).
	mu sync.Mutex
}

const (
	// ckptFallbackEvery spaces checkpoints when the WAL index cannot be read.
	ckptFallbackEvery = time.Second
	// ckptKeepConn is how long the checkpointer keeps its connection after its last
	// checkpoint: through a burst of captures it needs one every few commits, and a
	// connection taken from the pool each time left readers to open more.
	ckptKeepConn = 5 * time.Second
)

// newCheckpointer makes the checkpointer of the database file at dbPath; its
// connector calls committed, and start starts it once db is open.
func newCheckpointer(dbPath string) *checkpointer {
	return &checkpointer{shm: dbPath + "-shm", wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
}

// committed is called by every commit; it never blocks.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) start() {
	c.started = true
	go c.run()
}

// close stops the checkpointer, after the checkpoint under way if any; closing the
// database checkpoints what is left.
func (c *checkpointer) close() {
	c.once.Do(func() {
		close(c.stop)
		if c.started {
			<-c.done
		}
	})
}

func (c *checkpointer) run() {
	defer close(c.done)
	var conn *sql.Conn
	release := time.NewTimer(time.Hour)
	release.Stop()
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var last time.Time
	for {
		select {
		case <-c.stop:
			return
		case <-release.C:
			conn.Close() // back to the pool, which closes it once idle
			conn = nil
			continue
		case <-c.wake:
		}
		if frames, waiting, ok := walFrames(c.shm); ok {
			// Past walInlinePages the writers copy the rest themselves (startOver),
			// and must find the lock free to start the WAL over.
			if waiting < walPages || frames >= walInlinePages {
				continue
			}
		} else if time.Since(last) < ckptFallbackEvery {
			continue
		}
		last = time.Now()
		var err error
		if conn == nil {
			conn, err = c.db.Conn(context.Background())
		}
		if err == nil {
			// PASSIVE never waits for a lock: it copies what no reader still needs,
			// and returns BUSY at once if a commit's own checkpoint holds the lock.
			c.mu.Lock()
			_, err = conn.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
			c.mu.Unlock()
			release.Reset(ckptKeepConn)
		}
		if err != nil {
			slog.Debug("wal checkpoint", "err", err)
			if conn != nil {
				conn.Close()
				conn = nil
			}
		}
	}
}

// startOver is called by the capture writer before each transaction: once the WAL
// holds walInlinePages frames, it waits for the checkpoint under way, then copies
// what is left, so that the transaction starts the WAL over. That copy is short:
// the checkpointer kept up until then.
// A checkpoint that fails is left to the next one: the write says what is wrong.
func (c *checkpointer) startOver(ctx context.Context) {
	if frames, _, ok := walFrames(c.shm); !ok || frames < walInlinePages {
		return // (without the WAL index, the commits' own checkpoints bound it)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		slog.Debug("wal checkpoint", "err", err)
	}
}

// walFrames returns the number of frames in the WAL since it last started over and
// how many of them are not yet copied into the database, read from the WAL index
// at path.
func walFrames(path string) (frames, waiting uint32, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	var hdr [100]byte
	if n, err := f.ReadAt(hdr[:], 0); n < len(hdr) || err != nil {
		return 0, 0, false
	}
	frames = binary.NativeEndian.Uint32(hdr[16:])
	backfilled := binary.NativeEndian.Uint32(hdr[96:])
	if backfilled > frames {
		return frames, 0, true // the WAL started over while it was read
	}
	return frames, frames - backfilled, true
}
