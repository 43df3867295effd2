package app

import (
	"io"
	"log/slog"
)

// NewLogger is the logger both shells use: text lines on w, at debug level (every
// request) when verbose.
func NewLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
