package main

import (
	"context"
	"fmt"
	"os"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

// openExisting opens the database of a data folder ("" → the default one) that
// serve has created, and says so plainly when there is none.
func openExisting(ctx context.Context, dataDir string) (*store.DB, error) {
	if dataDir == "" {
		var err error
		if dataDir, err = app.DefaultDataDir(); err != nil {
			return nil, err
		}
	}
	path := app.DatabasePath(dataDir)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no llmtap database in %q (run llmtap serve first, or pass --data)", dataDir)
	}
	return store.Open(ctx, path)
}
