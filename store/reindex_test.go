package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// fromBody decides an exchange written by writeSteps: its body is the round.
func fromBody(e *Exchange) (dataset.Dialect, *dataset.Round, string) {
	var r dataset.Round
	if err := json.Unmarshal(e.ReqBody, &r); err != nil || len(r.Answers) == 0 {
		return "", nil, "no round in body"
	}
	return r.Dialect, &r, ""
}

func reindex(t *testing.T, db *DB, opt ReindexOptions) ReindexStats {
	t.Helper()
	if opt.Decide == nil {
		opt.Decide = fromBody
	}
	st, err := db.Reindex(t.Context(), opt)
	if err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	return st
}

// TestReindexRebuildsSameConversations: every client shape, rebuilt from its stored
// exchanges, gives the conversations capture gave, and again when run twice.
func TestReindexRebuildsSameConversations(t *testing.T) {
	for _, tt := range clientCases() {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			writeSteps(t, db, tt.steps)
			before := shapes(t, db)
			for run := range 2 {
				st := reindex(t, db, ReindexOptions{BatchSize: 2})
				if diff := cmp.Diff(before, shapes(t, db)); diff != "" {
					t.Errorf("run %d: conversations after reindex (-before +after):\n%s", run, diff)
				}
				if st.Exchanges != len(tt.steps) || st.Threaded != len(tt.steps) || st.ConversationsAfter != len(before) {
					t.Errorf("run %d: stats = %+v, want %d exchanges threaded into %d conversations", run, st, len(tt.steps), len(before))
				}
			}
		})
	}
}

// statusesAndTags maps each conversation's title to its status, reject reason, note and tags.
func statusesAndTags(t *testing.T, db *DB) map[string]string {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range items {
		tags, err := db.Tags(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[s.Title] = string(s.Status) + " " + s.RejectReason + " " + s.Note + " " + cmp.Diff([]string{}, tags)
	}
	return out
}

func TestReindexKeepsStatusesAndTags(t *testing.T) {
	tests := []struct {
		name      string
		interrupt bool // the first run is cancelled after its first batch
	}{
		{"clean_run", false},
		{"interrupted_then_rerun", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			writeSteps(t, db, steps(
				round(msgs(user("one")), bot("1")),
				round(msgs(user("two")), bot("2")),
				round(msgs(user("one"), bot("1"), user("more")), bot("3")),
				round(msgs(user("three")), bot("4")),
			))
			// Shuffle the ids a rebuild would hand out: an extra exchange that is
			// not a chat comes first on rebuild but means nothing.
			if _, err := db.sql.Exec(`UPDATE exchanges SET req_body = ? WHERE id = 2`, packBody([]byte(`{}`))); err != nil {
				t.Fatal(err)
			}
			if err := db.SetStatus(t.Context(), 1, dataset.StatusConfirmed); err != nil {
				t.Fatal(err)
			}
			if err := db.AddTag(t.Context(), 1, "good"); err != nil {
				t.Fatal(err)
			}
			if err := db.SetStatusReason(t.Context(), 3, dataset.StatusRejected, "off topic"); err != nil {
				t.Fatal(err)
			}
			if err := db.SetNote(t.Context(), 1, "ask about the second answer"); err != nil {
				t.Fatal(err)
			}
			if err := db.AddTag(t.Context(), 3, "meh"); err != nil {
				t.Fatal(err)
			}
			want := statusesAndTags(t, db)
			delete(want, "two") // its exchange no longer parses

			if tt.interrupt {
				ctx, cancel := context.WithCancel(t.Context())
				_, err := db.Reindex(ctx, ReindexOptions{Decide: fromBody, BatchSize: 1, Progress: func(int, int) { cancel() }})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("interrupted Reindex error = %v, want context.Canceled", err)
				}
			}
			st := reindex(t, db, ReindexOptions{})
			if diff := cmp.Diff(want, statusesAndTags(t, db)); diff != "" {
				t.Errorf("statuses and tags after reindex (-want +got):\n%s", diff)
			}
			if st.ParseErrors["no round in body"] != 1 || st.ConversationsAfter != 2 {
				t.Errorf("stats = %+v, want 1 parse error and 2 conversations", st)
			}
			if n := count(t, db, "reindex_marks"); n != 0 {
				t.Errorf("reindex_marks left = %d, want 0", n)
			}
		})
	}
}
