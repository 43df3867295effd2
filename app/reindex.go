package app

import (
	"context"

	"github.com/llmtap/llmtap/store"
)

// Reindex rebuilds every conversation from the exchanges stored in db with this
// build's parsers and threading, deciding each exchange exactly as capture does
// (decideRound), and keeps the statuses and tags a person gave (see
// store.DB.Reindex). progress, when set, is called after each batch with the
// exchanges done and the total. Run it with no serve writing to the same database.
func Reindex(ctx context.Context, db *store.DB, batchSize int, progress func(done, total int)) (store.ReindexStats, error) {
	return db.Reindex(ctx, store.ReindexOptions{Decide: decideStored, ParsedFromBodies: true, BatchSize: batchSize, Progress: progress})
}
