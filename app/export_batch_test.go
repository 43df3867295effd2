package app

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestExportBatchSame: store.ExportBatch reads every conversation exactly as
// ExportConversation (and ExportConversationMasked) read it one at a time: with a
// reviewer's edit, a "don't train" mark, a system prompt edit, and synthetic chats
// with tools, reasoning and greetings; a conversation that is not there is an error.
func TestExportBatchSame(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/conversations/%d/system", ids["#chat 4"]), `{"content":"You are terse."}`); code != 200 {
		t.Fatalf("edit system: %d %s", code, body)
	}
	if err := SynthesizeFast(t.Context(), ta.DB(), SynthOptions{Conversations: 60, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	all, err := ta.DB().ExportIDs(t.Context(), store.ExportFilter{Statuses: []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed, dataset.StatusRejected}})
	if err != nil || len(all) < 60 {
		t.Fatalf("%d ids, %v", len(all), err)
	}
	for _, masked := range []bool{false, true} {
		cache := store.NewBlobCache()
		for start := 0; start < len(all); start += 16 {
			batch := all[start:min(start+16, len(all))]
			got, err := ta.DB().ExportBatch(t.Context(), batch, masked, cache)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range batch {
				read := ta.DB().ExportConversation
				if masked {
					read = ta.DB().ExportConversationMasked
				}
				want, err := read(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got[i]); diff != "" {
					t.Fatalf("conversation %d (masked %v): batch differs (-one +batch):\n%s", id, masked, diff)
				}
			}
		}
	}
	if _, err := ta.DB().ExportBatch(t.Context(), []int64{all[0], 1 << 40}, false, nil); err == nil {
		t.Error("ExportBatch of a missing conversation: no error")
	}
}
