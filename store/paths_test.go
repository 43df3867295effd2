package store

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/dataset"
)

// TestExportRecords checks which paths of a conversation's tree an export writes as
// records of their own (issue 12): paths that part at a user turn, or at two
// answers the client went on from; never the alternatives of one answer, a path
// that ends unanswered, or one below a reviewer's cut.
func TestExportRecords(t *testing.T) {
	tests := []struct {
		name   string
		rounds []*dataset.Round
		cut    string // the answer a reviewer cuts the conversation after
		want   []string
	}{
		{"single_path", []*dataset.Round{
			round(msgs(user("hi")), bot("hello")),
			round(msgs(user("hi"), bot("hello"), user("tea?")), bot("green")),
		}, "", []string{"hi hello tea? green"}},
		{"regenerations_collapse", []*dataset.Round{
			round(msgs(user("hi")), bot("hello")),
			round(msgs(user("hi")), bot("hey")),
			round(msgs(user("hi"), bot("hey"), user("tea?")), bot("green")),
		}, "", []string{"hi hey tea? green"}},
		{"user_turns_part", []*dataset.Round{
			round(msgs(user("hi")), bot("hello")),
			round(msgs(user("hi"), bot("hello"), user("tea?")), bot("green")),
			round(msgs(user("hi"), bot("hello"), user("coffee?")), bot("black")),
		}, "", []string{"hi hello coffee? black", "hi hello tea? green"}},
		{"two_answers_went_on", []*dataset.Round{
			round(msgs(user("hi")), bot("hello")),
			round(msgs(user("hi")), bot("hey")),
			round(msgs(user("hi"), bot("hello"), user("tea?")), bot("green")),
			round(msgs(user("hi"), bot("hey"), user("coffee?")), bot("black")),
		}, "", []string{"hi hey coffee? black", "hi hello tea? green"}},
		{"below_cut_left_out", []*dataset.Round{
			round(msgs(user("hi")), bot("hello")),
			round(msgs(user("hi"), bot("hello"), user("tea?")), bot("green")),
			round(msgs(user("hi"), bot("hello"), user("coffee?")), bot("black")),
		}, "hello", []string{"hi hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRecorder(t)
			for _, r := range tt.rounds {
				rc.capture(t, r)
			}
			ids, err := rc.db.ExportIDs(t.Context(), ExportFilter{})
			if err != nil || len(ids) != 1 {
				t.Fatalf("ExportIDs = %v, %v; want one conversation", ids, err)
			}
			if tt.cut != "" {
				if err := rc.db.SetCut(t.Context(), ids[0], msgID(t, rc.db, tt.cut)); err != nil {
					t.Fatal(err)
				}
			}
			recs, err := rc.db.ExportRecords(t.Context(), ids[0])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, r := range recs {
				if (i == 0) != (r.Leaf == 0) {
					t.Errorf("record %d has Leaf %d: only the chosen path, first, has none", i, r.Leaf)
				}
				var texts []string
				for _, m := range r.Messages {
					texts = append(texts, m.Content)
				}
				got = append(got, strings.Join(texts, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ExportRecords (-want +got):\n%s", diff)
			}
		})
	}
}
