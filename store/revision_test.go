package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// exportView is everything an export can make of conversation id: its ShareGPT input
// (title, tools, messages) and its preference pairs.
func exportView(t *testing.T, db *DB, id int64) string {
	t.Helper()
	c, err := db.ExportConversation(t.Context(), id)
	if err != nil {
		t.Fatalf("ExportConversation(%d): %v", id, err)
	}
	view := fmt.Sprintf("%q %q %+v", c.Title, c.Tools, c.Messages)
	err = db.PreferencePairs(t.Context(), id, func(p dataset.PreferencePair) error {
		view += fmt.Sprintf(" pair%+v", p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return view
}

// revisions maps each exported conversation to its revision.
func revisions(t *testing.T, db *DB) map[int64]int64 {
	t.Helper()
	items, err := db.ExportItems(t.Context(), ExportFilter{Statuses: []dataset.Status{dataset.StatusUnreviewed,
		dataset.StatusConfirmed, dataset.StatusRejected}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, it := range items {
		out[it.ID] = it.Revision
	}
	return out
}

// TestRevisionFollowsWhatIsExported: the export preview trusts what it found of a
// conversation while its revision stays the same, so every change to what an export
// makes of it must change the revision; choosing conversations (status, note, tags)
// must not, or confirming 100,000 conversations would make the next preview check
// them all again. Other conversations keep theirs.
func TestRevisionFollowsWhatIsExported(t *testing.T) {
	rc := newRecorder(t)
	db, ctx := rc.db, t.Context()
	start := msgs(sys("be nice"), user("hi"))
	rc.capture(t, round(start, bot("hello")))
	rc.capture(t, round(msgs(user("bystander")), bot("unrelated")))
	conv, other := convID(t, db, "hi"), convID(t, db, "bystander")
	id := func(s string) int64 { return msgID(t, db, s) }
	tag, err := db.CreateTag(ctx, "good", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func() error
		changes bool // what an export makes of conv changes
	}{
		{"capture_continues", func() error {
			rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello"), user("more")), bot("sure")))
			return nil
		}, true},
		{"capture_regenerates", func() error { // a sibling: a new preference pair, same path
			rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello"), user("more")), bot("certainly")))
			return nil
		}, true},
		{"branch", func() error { return db.SetBranch(ctx, conv, id("sure")) }, true},
		{"branch_back", func() error { return db.ClearBranch(ctx, conv) }, true},
		{"cut", func() error { return db.SetCut(ctx, conv, id("hello")) }, true},
		{"uncut", func() error { return db.ClearCut(ctx, conv) }, true},
		{"system_prompt", func() error { return db.SetSystem(ctx, conv, "be brief") }, true},
		{"system_prompt_back", func() error { return db.ClearSystem(ctx, conv) }, true},
		{"edit", func() error { return db.EditMessage(ctx, id("hello"), "Hello!") }, true},
		{"edit_undone", func() error { return db.ClearEdit(ctx, id("hello")) }, true},
		{"dont_train", func() error { return db.SetTrain(ctx, id("certainly"), false) }, true},
		{"better_answer", func() error { return db.SetPreferred(ctx, id("sure"), true) }, true},
		{"confirm", func() error { return db.SetStatus(ctx, conv, dataset.StatusConfirmed) }, false},
		{"reject_with_reason", func() error { return db.SetStatusReason(ctx, conv, dataset.StatusRejected, "dull") }, false},
		{"note", func() error { return db.SetNote(ctx, conv, "check later") }, false},
		{"tag", func() error { return db.ChangeTags(ctx, conv, []int64{tag.ID}, nil) }, false},
		{"untag", func() error { return db.ChangeTags(ctx, conv, nil, []int64{tag.ID}) }, false},
		{"bulk_confirm", func() error {
			_, err := db.Bulk(ctx, BulkOptions{IDs: []int64{conv}, Action: BulkStatus, Status: dataset.StatusConfirmed})
			return err
		}, false},
	}
	seen := map[int64]bool{}
	for _, tt := range tests { // in order: each step starts where the last one ended
		before, view := revisions(t, db), exportView(t, db, conv)
		seen[before[conv]] = true
		if err := tt.change(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		after, newView := revisions(t, db), exportView(t, db, conv)
		if (newView != view) != tt.changes {
			t.Fatalf("%s: the export changed = %v, the test expects %v: fix the test", tt.name, newView != view, tt.changes)
		}
		if changed := after[conv] != before[conv]; changed != tt.changes {
			t.Errorf("%s: revision %d → %d; want it changed = %v", tt.name, before[conv], after[conv], tt.changes)
		}
		if tt.changes && seen[after[conv]] {
			t.Errorf("%s: revision %d was the conversation's before", tt.name, after[conv])
		}
		if after[other] != before[other] {
			t.Errorf("%s: the other conversation's revision changed %d → %d", tt.name, before[other], after[other])
		}
	}

	// A reindex gives conversations new ids, which may be old ids of others: no pair
	// of id and revision comes back meaning something else.
	old := map[[2]int64]string{}
	for cid, rev := range revisions(t, db) {
		old[[2]int64{cid, rev}] = exportView(t, db, cid)
	}
	reindex(t, db, ReindexOptions{})
	for cid, rev := range revisions(t, db) {
		if v, ok := old[[2]int64{cid, rev}]; ok && v != exportView(t, db, cid) {
			t.Errorf("after a reindex, conversation %d revision %d stands for another export", cid, rev)
		}
	}
	if got := slices.Sorted(func(yield func(int64) bool) {
		for _, r := range revisions(t, db) {
			if !yield(r) {
				return
			}
		}
	}); len(got) > 0 && got[0] == 0 {
		t.Errorf("a conversation has revision 0: %v", got)
	}
}
