package export_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// samePairsBatch checks that store.DB.PairsBatch gives each conversation of ids,
// read size at a time, the pairs Pairs gives it one at a time, under every
// policy; it returns how many pairs it compared.
func samePairsBatch(t *testing.T, db *store.DB, ids []int64, size int) int {
	t.Helper()
	compared := 0
	for _, policy := range []dataset.PairPolicy{dataset.PairsAll, dataset.PairsSignalled, dataset.PairsReviewed} {
		cache := store.NewBlobCache()
		for start := 0; start < len(ids); start += size {
			batch := ids[start:min(start+size, len(ids))]
			got, err := db.PairsBatch(t.Context(), batch, policy, cache)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(batch) {
				t.Fatalf("PairsBatch of %d conversations: %d results", len(batch), len(got))
			}
			for i, id := range batch {
				want, err := export.ConversationPairs(t.Context(), db, id, policy)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got[i], cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("conversation %d (%s): batch pairs differ (-one +batch):\n%s", id, policy, diff)
				}
				compared += len(want)
			}
		}
	}
	if _, err := db.PairsBatch(t.Context(), []int64{ids[0], 1 << 40}, dataset.PairsAll, nil); err == nil {
		t.Error("PairsBatch of a missing conversation: no error")
	}
	return compared
}
