package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// TestBranchAndCutFollowCaptures walks one conversation through a person's choices
// and the captures that arrive after them; each step checks the chosen path.
func TestBranchAndCutFollowCaptures(t *testing.T) {
	rc := newRecorder(t)
	db := rc.db
	hi := msgs(user("hi"))
	rc.capture(t, round(hi, bot("hello")))
	rc.capture(t, round(hi, bot("hey there")))
	rc.capture(t, round(msgs(user("other chat")), bot("sure")))
	conv := convID(t, db, "hi")
	id := func(content string) int64 { return msgID(t, db, content) }

	steps := []struct {
		name   string
		do     func() error
		want   string // the chosen path, messages joined by " / "
		rounds int
	}{
		{"newest_answer_by_default", func() error { return nil }, "hi / hey there", 1},
		{"branch_to_first_answer", func() error { return db.SetBranch(t.Context(), conv, id("hello")) },
			"hi / hello", 1},
		{"capture_continuing_branch_moves_along", func() error {
			rc.capture(t, round(msgs(user("hi"), bot("hello"), user("more")), bot("done")))
			return nil
		}, "hi / hello / more / done", 2},
		{"capture_on_other_branch_keeps_choice", func() error {
			rc.capture(t, round(msgs(user("hi"), bot("hey there"), user("elsewhere")), bot("there")))
			return nil
		}, "hi / hello / more / done", 2},
		{"cut_at_answer", func() error { return db.SetCut(t.Context(), conv, id("hello")) }, "hi / hello", 1},
		{"capture_below_cut_keeps_cut", func() error {
			rc.capture(t, round(msgs(user("hi"), bot("hello"), user("more"), bot("done"), user("again")), bot("fin")))
			return nil
		}, "hi / hello", 1},
		{"undo_cut_keeps_branch_to_newest_leaf", func() error { return db.ClearCut(t.Context(), conv) },
			"hi / hello / more / done / again / fin", 3},
		{"branch_to_other_answer", func() error { return db.SetBranch(t.Context(), conv, id("hey there")) },
			"hi / hey there / elsewhere / there", 2},
		{"cut_at_user_turn", func() error { return db.SetCut(t.Context(), conv, id("elsewhere")) },
			"hi / hey there / elsewhere", 1},
		{"branch_clears_cut", func() error { return db.SetBranch(t.Context(), conv, id("hi")) },
			"hi / hello / more / done / again / fin", 3},
		{"clear_branch_goes_to_newest", func() error {
			rc.capture(t, round(hi, bot("third")))
			return db.ClearBranch(t.Context(), conv)
		}, "hi / third", 1},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			d, err := db.Conversation(t.Context(), conv)
			if err != nil {
				t.Fatal(err)
			}
			var path []string
			for _, m := range d.Messages {
				path = append(path, m.Content)
			}
			if got := strings.Join(path, " / "); got != s.want || d.Rounds != s.rounds || d.MessageCount != len(path) {
				t.Errorf("path = %q, %d rounds, %d messages; want %q, %d rounds, %d messages",
					got, d.Rounds, d.MessageCount, s.want, s.rounds, len(path))
			}
		}) {
			return // later steps build on this one
		}
	}
}

func TestChoiceErrors(t *testing.T) {
	rc := newRecorder(t)
	rc.capture(t, round(msgs(user("hi")), bot("hello")))
	rc.capture(t, round(msgs(user("other chat")), bot("sure")))
	conv, foreign := convID(t, rc.db, "hi"), msgID(t, rc.db, "sure")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"branch_to_message_of_other_conversation", rc.db.SetBranch(t.Context(), conv, foreign), ErrInvalid},
		{"cut_at_unknown_message", rc.db.SetCut(t.Context(), conv, 999), ErrInvalid},
		{"branch_in_unknown_conversation", rc.db.SetBranch(t.Context(), 999, foreign), ErrNotFound},
		{"undo_cut_of_unknown_conversation", rc.db.ClearCut(t.Context(), 999), ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("error = %v, want %v", tt.err, tt.want)
			}
		})
	}
}

// reviewed makes every kind of change to a branched conversation with tool calls.
func reviewed(t *testing.T) *recorder {
	t.Helper()
	rc := newRecorder(t)
	call := dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}}}
	result := dataset.Message{Role: dataset.RoleTool, Content: "42", ToolCallID: "c1"}
	// Exchange 1 is dropped before the reindex tests rebuild, so every id shifts.
	rc.capture(t, round(msgs(user("noise")), bot("noise answer")))
	start := msgs(sys("be nice"), user("hi"))
	rc.capture(t, round(start, bot("hello")))
	rc.capture(t, round(start, bot("hey there")))
	rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello"), user("use the tool")), call))
	rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello"), user("use the tool"), call, result), bot("it is 42")))
	rc.capture(t, round(msgs(sys("be nice"), user("hi"), bot("hello"), user("use the tool"), call, result,
		bot("it is 42"), user("thanks")), bot("welcome")))
	rc.capture(t, round(msgs(user("second chat")), bot("ok")))
	db, ctx := rc.db, t.Context()
	conv, id := convID(t, db, "hi"), func(s string) int64 { return msgID(t, db, s) }
	for _, err := range []error{
		db.EditMessage(ctx, id("hello"), "Hello!"),
		db.EditMessage(ctx, id("welcome"), "You're welcome."),
		db.SetTrain(ctx, id("it is 42"), false),
		db.SetPreferred(ctx, id("hello"), true),
		db.SetBranch(ctx, conv, id("hello")),
		db.SetCut(ctx, conv, id("welcome")),
		db.SetSystem(ctx, conv, "be brief"),
		db.SetTrain(ctx, id("ok"), false),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return rc
}

// exported renders what EachConversation gives an export.
func exported(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	err := db.EachConversation(t.Context(), ExportFilter{}, func(c dataset.Conversation) error {
		var path []string
		for _, m := range c.Messages {
			path = append(path, string(m.Role[0])+":"+m.Content)
		}
		out = append(out, c.Title+": "+strings.Join(path, " "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportUsesReview(t *testing.T) {
	rc := reviewed(t)
	want := []string{
		"noise: u:noise a:noise answer",
		// The tool round is dropped with its "don't train" final answer.
		"hi: s:be brief u:hi a:Hello! u:thanks a:You're welcome.",
		"second chat: ", // its only round is marked "don't train": the writer reports it invalid
	}
	if diff := cmp.Diff(want, exported(t, rc.db)); diff != "" {
		t.Errorf("exported (-want +got):\n%s", diff)
	}
}

// TestReviewSurvivesReindex: a rebuild gives every conversation new row ids, and the
// person's changes come back on the same messages.
func TestReviewSurvivesReindex(t *testing.T) {
	tests := []struct {
		name  string
		moved bool // the conversation's identity no longer starts one (threading changed)
	}{
		{"same_identity", false},
		{"identity_moved_into_other_conversation", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := reviewed(t)
			db := rc.db
			wantView, wantExport := view(t, db, convID(t, db, "hi")), exported(t, db)[1:]
			if _, err := db.sql.Exec(`UPDATE exchanges SET req_body = ? WHERE id = 1`, packBody([]byte(`{}`))); err != nil {
				t.Fatal(err)
			}
			if tt.moved {
				// As if the changes were made when a later exchange started the chat.
				for _, table := range []string{"message_edits", "conversation_choices"} {
					if _, err := db.sql.Exec(`UPDATE ` + table + ` SET origin_exchange_id = 4 WHERE origin_exchange_id = 2`); err != nil {
						t.Fatal(err)
					}
				}
			}
			var oldIDs []int64
			for _, s := range []string{"hello", "welcome"} {
				oldIDs = append(oldIDs, msgID(t, db, s))
			}
			reindex(t, db, ReindexOptions{})
			if got := []int64{msgID(t, db, "hello"), msgID(t, db, "welcome")}; cmp.Equal(oldIDs, got) {
				t.Fatalf("message ids %v unchanged by reindex: the test proves nothing", got)
			}
			if diff := cmp.Diff(wantView, view(t, db, convID(t, db, "hi"))); diff != "" {
				t.Errorf("conversation after reindex (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(wantExport, exported(t, db)); diff != "" {
				t.Errorf("export after reindex (-before +after):\n%s", diff)
			}
		})
	}
}
