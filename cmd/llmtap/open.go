package main

import (
	"context"
	"fmt"
	"os"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

// openExisting opens the database of a data folder ("" → the default one) that
// serve has created, and says so plainly when there is none. Captures a stopped
// serve left in the capture log are stored first, so the command sees them all.
func openExisting(ctx context.Context, dataDir string) (*store.DB, error) {
	db, dataDir, err := openDatabase(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	if _, err := app.IndexCaptureLog(ctx, dataDir, db, nil); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openDatabase opens the database of a data folder ("" → the default one) and
// returns the folder it resolved.
func openDatabase(ctx context.Context, dataDir string) (*store.DB, string, error) {
	if dataDir == "" {
		var err error
		if dataDir, err = app.DefaultDataDir(); err != nil {
			return nil, "", err
		}
	}
	path := app.DatabasePath(dataDir)
	if _, err := os.Stat(path); err != nil {
		return nil, "", fmt.Errorf("no llmtap database in %q (run llmtap serve first, or pass --data)", dataDir)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	return db, dataDir, nil
}
