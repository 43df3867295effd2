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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := capture.Open(ctx, capture.Config{Dir: CaptureLogPath(dataDir), DB: db, Convert: toCapture, Logger: log})
	if errors.Is(err, capture.ErrInUse) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ferr := p.Flush(ctx)
	n := p.Indexed()
	if err := errors.Join(ferr, p.Close(ctx)); err != nil {
		return n, fmt.Errorf("index the capture log: %w", err)
	}
	return n, nil
}
