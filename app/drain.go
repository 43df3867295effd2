package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/llmtap/llmtap/capture"
	"github.com/llmtap/llmtap/store"
)

// IndexCaptureLog stores what the data folder's capture log holds beyond what db
// has (a serve that was killed before its indexer caught up), so that a command
// reading the database (export, reindex) sees every capture. It returns how many
// it stored. When a running llmtap has the log open, its own indexer does this and
// IndexCaptureLog returns 0 at once.
func IndexCaptureLog(ctx context.Context, dataDir string, db *store.DB, log *slog.Logger) (int64, error) {
	p, err := drainCaptureLog(ctx, dataDir, db, log)
	if errors.Is(err, ErrRunning) {
		return 0, nil
	}
	if p == nil {
		return 0, err
	}
	n := p.Indexed()
	if err := errors.Join(err, p.Close(ctx)); err != nil {
		return n, fmt.Errorf("index the capture log: %w", err)
	}
	return n, nil
}

// ErrRunning is returned by HoldCaptureLog when a running llmtap (serve or the
// window) has the data folder's capture log open.
var ErrRunning = errors.New("llmtap is running on this data folder (serve or the window): stop it first")

// HoldCaptureLog stores what the capture log holds beyond db, as IndexCaptureLog
// does, and keeps the log open, so that no llmtap can start capturing into the
// folder, until release is called. A reindex holds it: it rebuilds every
// conversation with the review list's indexes dropped, which a running llmtap
// would read (its list) and write against (its captures). When one is running it
// returns ErrRunning.
func HoldCaptureLog(ctx context.Context, dataDir string, db *store.DB) (release func(context.Context) error, err error) {
	p, err := drainCaptureLog(ctx, dataDir, db, nil)
	if p == nil {
		return nil, err
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("index the capture log: %w", err), p.Close(ctx))
	}
	return p.Close, nil
}

// drainCaptureLog opens the data folder's capture log (ErrRunning when another
// llmtap has it) and stores what it holds beyond db. The pipeline is returned
// open whenever it was opened, with the error of storing, if any.
func drainCaptureLog(ctx context.Context, dataDir string, db *store.DB, log *slog.Logger) (*capture.Pipeline, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := capture.Open(ctx, capture.Config{Dir: CaptureLogPath(dataDir), DB: db, Convert: toCapture, Logger: log})
	if errors.Is(err, capture.ErrInUse) {
		return nil, ErrRunning
	}
	if err != nil {
		return nil, err
	}
	return p, p.Flush(ctx)
}
