package export_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestExportBatchSame: store.ExportBatch reads every conversation exactly as
// ExportConversation (and ExportConversationMasked) read it one at a time: with a
// reviewer's edit, a "don't train" mark, a system prompt edit, and synthetic chats
// with tools, reasoning and greetings, and their pairs (PairsBatch as Pairs); a
// conversation that is not there is an error.
func TestExportBatchSame(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/conversations/%d/system", ids["#chat 4"]), `{"content":"You are terse."}`); code != 200 {
		t.Fatalf("edit system: %d %s", code, body)
	}
	if err := app.SynthesizeFast(t.Context(), ta.DB(), app.SynthOptions{Conversations: 60, Seed: 3}); err != nil {
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
	// The pairs of the generated chats (regenerations, a reviewer's edits and
	// preferences of the fixture) read in batches are those read one at a time.
	if n := samePairsBatch(t, ta.DB(), all, 16); n == 0 {
		t.Error("no pair compared")
	}
	if _, err := ta.DB().ExportBatch(t.Context(), []int64{all[0], 1 << 40}, false, nil); err == nil {
		t.Error("ExportBatch of a missing conversation: no error")
	}
}

// TestExportRecordsBatchSame: store.ExportRecordsBatch gives every conversation of
// each threading case (branches that are conversations of their own, group chats
// split per speaker, prefills, client edits) the records ExportRecords (and
// ExportRecordsMasked) gives it one at a time, in batches that mix branched and
// plain conversations; and PairConversations names every conversation that has
// a preference pair (after a reviewer's edits and preferences), so that an
// export may skip the others; and PairsBatch gives each the pairs Pairs gives.
func TestExportRecordsBatchSame(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(threadingDir, "*.golden.json"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no threading cases: %v", err)
	}
	split, withPairs, pairsCompared := 0, map[dataset.PairPolicy]int{}, 0
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".golden.json")
		t.Run(name, func(t *testing.T) {
			db := storeCase(t, name)
			ids, err := db.ExportIDs(t.Context(), store.ExportFilter{Statuses: []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed, dataset.StatusRejected}})
			if err != nil {
				t.Fatal(err)
			}
			// A reviewer edits the last answer of every other conversation and
			// prefers a sibling answer where there is one.
			for i, id := range ids {
				d, err := db.Conversation(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range d.Messages {
					if m.ID > 0 && m.Role == dataset.RoleAssistant && m.Siblings > 1 {
						if err := db.SetPreferred(t.Context(), m.ID, true); err != nil {
							t.Fatal(err)
						}
						break
					}
				}
				if last := d.Messages[len(d.Messages)-1]; i%2 == 0 && last.Role == dataset.RoleAssistant {
					if err := db.EditMessage(t.Context(), last.ID, last.Content+" (edited)"); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Every conversation with a pair is one PairConversations names; the
			// reviewed pairs are those of every pair that KTO takes.
			for _, policy := range []dataset.PairPolicy{dataset.PairsAll, dataset.PairsReviewed} {
				paired, err := db.PairConversations(t.Context(), ids, policy)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					pairs, err := export.ConversationPairs(t.Context(), db, id, policy)
					if err != nil {
						t.Fatal(err)
					}
					if len(pairs) > 0 {
						withPairs[policy]++
						if !paired[id] {
							t.Errorf("conversation %d has %d %s pairs, but PairConversations leaves it out", id, len(pairs), policy)
						}
					}
					if policy != dataset.PairsReviewed {
						continue
					}
					all, err := export.ConversationPairs(t.Context(), db, id, dataset.PairsAll)
					if err != nil {
						t.Fatal(err)
					}
					all = slices.DeleteFunc(all, func(p dataset.PreferencePair) bool { return !dataset.KTOTakes(p.Rule) })
					if diff := cmp.Diff(all, pairs, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("conversation %d: reviewed pairs are not the reviewer's of all pairs (-all +reviewed):\n%s", id, diff)
					}
				}
			}
			pairsCompared += samePairsBatch(t, db, ids, 3)
			for _, masked := range []bool{false, true} {
				cache := store.NewBlobCache()
				for start := 0; start < len(ids); start += 3 {
					batch := ids[start:min(start+3, len(ids))]
					got, err := db.ExportRecordsBatch(t.Context(), batch, masked, cache)
					if err != nil {
						t.Fatal(err)
					}
					for i, id := range batch {
						read := db.ExportRecords
						if masked {
							read = db.ExportRecordsMasked
						}
						want, err := read(t.Context(), id)
						if err != nil {
							t.Fatal(err)
						}
						if len(want) > 1 {
							split++
						}
						if diff := cmp.Diff(want, got[i]); diff != "" {
							t.Fatalf("conversation %d (masked %v): batch differs (-one +batch):\n%s", id, masked, diff)
						}
					}
				}
			}
		})
	}
	if split == 0 || withPairs[dataset.PairsAll] == 0 || withPairs[dataset.PairsReviewed] == 0 || pairsCompared == 0 {
		t.Errorf("%d conversations split, with pairs %v, %d pairs compared: the test compares nothing of one of them",
			split, withPairs, pairsCompared)
	}
}
