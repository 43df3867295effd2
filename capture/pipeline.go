package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// Config configures Open.
type Config struct {
	// Dir is the capture log's folder (segments, the unsaved tally, a lock, and the
	// spill folder for request bodies still arriving: SpillDir). Required.
	Dir string
	// DB is where the indexer stores captures. Required; Close leaves it open.
	DB *store.DB
	// Convert turns a logged exchange into what the store keeps (decode, parse).
	// It must not change the exchange's bodies in place: a response body it passes
	// on unchanged (the same slice) is stored as the log's compressed frame of it.
	// Required. It is called from several goroutines at once.
	Convert func(*proxy.Exchange) store.Capture
	// MaxHeld bounds the records held in memory while the disk refuses them; 0 means
	// DefaultMaxHeld.
	MaxHeld int64
	// OnIdle, if set, is called when the indexer has caught up after storing
	// something (the app returns memory to the OS there).
	OnIdle func()
	// AfterBig, if set, is called once the indexer has stored a batch whose bodies
	// came to 8 MiB or more (a 30 MB request), with nothing of the batch referenced
	// any more: the app gives that memory back before the next big body is decoded
	// beside it.
	AfterBig func()
	// SegmentSize is the capture log's segment size; 0 means 64 MiB.
	SegmentSize int64
	// NoSync skips fsync: for benchmarks of everything else only.
	NoSync bool
	// Logger gets the logs. nil discards them.
	Logger *slog.Logger
}

// Pipeline is the capture path behind the proxy: the Recorder (the proxy's Sink),
// the log and the indexer that follows it.
type Pipeline struct {
	*Recorder
	log   *spool.Log
	ix    *indexer
	spill string

	closeOnce sync.Once
	closeErr  error
}

// ErrInUse is wrapped by Open when another llmtap has the capture log open.
var ErrInUse = spool.ErrLocked

// Open opens the capture log in cfg.Dir and starts indexing what it holds beyond
// what cfg.DB has stored (captures a crash or a stop left behind) and everything
// appended from now on.
func Open(ctx context.Context, cfg Config) (*Pipeline, error) {
	if cfg.DB == nil || cfg.Convert == nil || cfg.Dir == "" {
		return nil, errors.New("capture: Dir, DB and Convert are required")
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	cursor, err := cfg.DB.LogCursor(ctx)
	if err != nil {
		return nil, err
	}
	log, err := spool.Open(cfg.Dir, spool.Options{SegmentSize: cfg.SegmentSize, NoSync: cfg.NoSync, EmptyStart: spool.Pos(cursor)})
	if err != nil {
		return nil, fmt.Errorf("open capture log: %w", err)
	}
	switch {
	case spool.Pos(cursor) > log.End():
		// The log lost records the database had stored (its folder was emptied and
		// refilled, or restored from an older copy): read what it holds now.
		lg.Warn("capture log behind the database; reading it from its start", "cursor", cursor, "log_start", log.Start())
		cursor = int64(log.Start())
	case spool.Pos(cursor) < log.Start():
		lg.Warn("capture log starts after the database's cursor; records between were removed", "cursor", cursor, "log_start", log.Start())
		cursor = int64(log.Start())
	}
	spill := filepath.Join(cfg.Dir, "spill")
	if err := os.MkdirAll(spill, 0o700); err != nil {
		lg.Warn("no spill folder: request bodies still arriving wait in memory", "err", err)
		spill = ""
	} else if err := zpool.RemoveSpilled(spill); err != nil {
		lg.Warn("spill folder not cleared", "err", err)
	}
	rec := newRecorder(log, filepath.Join(cfg.Dir, "unsaved.json"), cfg.MaxHeld, lg)
	backlog, err := log.Count(spool.Pos(cursor))
	if err != nil {
		lg.Warn("capture log backlog not counted", "err", err)
	}
	if backlog > 0 {
		lg.Info("indexing captures left in the log", "count", backlog)
	}
	ixCtx, cancel := context.WithCancel(context.Background())
	ix := &indexer{
		log: log, db: cfg.DB, convert: cfg.Convert, lose: rec.lose, onIdle: cfg.OnIdle, afterBig: cfg.AfterBig, lg: lg,
		progress: make(chan struct{}), drain: make(chan struct{}), hard: cancel, ctx: ixCtx, done: make(chan struct{}),
	}
	ix.cursor.Store(cursor)
	ix.backlog.Store(int64(backlog))
	go ix.run()
	return &Pipeline{Recorder: rec, log: log, ix: ix, spill: spill}, nil
}

// SpillDir is the folder for the proxy's proxy.Config.SpillDir: the compressed
// captures of request bodies still arriving, which are part of no record yet. It is
// cleared at Open. "" when it could not be made.
func (p *Pipeline) SpillDir() string { return p.spill }

// Status is the state of the capture path.
type Status struct {
	// Queued counts captures that are durable in the log but not yet in the database.
	Queued int64
	// Held counts captures waiting in memory because the disk refused them.
	Held int
	// Indexed counts captures stored in the database since start.
	Indexed int64
	// DBError says why the database refuses captures now (they wait in the log), or "".
	DBError string
	// Unsaved is the tally of captures that could not be kept.
	Unsaved Unsaved
}

// Status returns the state of the capture path. It is cheap: counters only.
func (p *Pipeline) Status() Status {
	p.ix.mu.Lock()
	dbErr := p.ix.lastErr
	p.ix.mu.Unlock()
	queued := p.ix.backlog.Load() + p.Appended() - p.ix.indexed.Load()
	if spool.Pos(p.ix.cursor.Load()) >= p.log.End() {
		queued = 0 // records that could not be read were stepped over, not indexed
	} else if queued < 1 {
		queued = 1
	}
	return Status{Queued: queued, Held: p.Held(), Indexed: p.ix.indexed.Load(), DBError: dbErr, Unsaved: p.Unsaved()}
}

// Indexed returns how many captures were stored in the database since start.
func (p *Pipeline) Indexed() int64 { return p.ix.indexed.Load() }

// Progress returns a channel closed at the indexer's next commit.
func (p *Pipeline) Progress() <-chan struct{} {
	p.ix.mu.Lock()
	defer p.ix.mu.Unlock()
	return p.ix.progress
}

// Flush waits until everything logged before the call is in the database, or ctx ends.
func (p *Pipeline) Flush(ctx context.Context) error {
	target := p.log.End()
	for {
		ch := p.Progress()
		if spool.Pos(p.ix.cursor.Load()) >= target {
			return nil
		}
		select {
		case <-ch:
		case <-p.ix.done:
			return errors.New("capture indexer stopped")
		case <-ctx.Done():
			return fmt.Errorf("wait for the capture log to be indexed: %w", ctx.Err())
		}
	}
}

// WaitIndexed waits until at least n captures were stored since start, or ctx ends.
func (p *Pipeline) WaitIndexed(ctx context.Context, n int64) error {
	for {
		ch := p.Progress()
		if p.ix.indexed.Load() >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d captures (have %d): %w", n, p.ix.indexed.Load(), ctx.Err())
		}
	}
}

// Close stops the recorder (the proxy must be done with it), lets the indexer store
// what the log holds until ctx ends, and closes the log. What is not indexed by
// then stays in the log, durable, and is indexed at the next Open. Calls after the
// first return the first's result.
func (p *Pipeline) Close(ctx context.Context) error {
	p.closeOnce.Do(func() { p.closeErr = p.close(ctx) })
	return p.closeErr
}

func (p *Pipeline) close(ctx context.Context) error {
	err := p.Recorder.Close(ctx)
	close(p.ix.drain)
	select {
	case <-p.ix.done:
	case <-ctx.Done():
		p.ix.hard()
		<-p.ix.done
	}
	p.ix.hard()
	return errors.Join(err, p.closeTally(), p.log.Close())
}
