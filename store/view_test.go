package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestConversationViaLeavesChoice looks at each branch of a conversation and checks
// that the path shown follows the branch while the chosen path (what export reads)
// and the person's choice stay as they were.
func TestConversationViaLeavesChoice(t *testing.T) {
	rc := newRecorder(t)
	db := rc.db
	hi := msgs(user("hi"))
	rc.capture(t, round(hi, bot("hello")))
	rc.capture(t, round(msgs(user("hi"), bot("hello"), user("more")), bot("done")))
	rc.capture(t, round(hi, bot("hey there")))
	rc.capture(t, round(msgs(user("other chat")), bot("sure")))
	conv := convID(t, db, "hi")
	id := func(content string) int64 { return msgID(t, db, content) }
	joined := func(d *Detail) string {
		var path []string
		for _, m := range d.Messages {
			path = append(path, m.Content)
		}
		return strings.Join(path, " / ")
	}

	tests := []struct {
		name    string
		choose  string // "" leaves the captured head; otherwise SetBranch to it first
		via     string // "" views the chosen path
		want    string
		viewing bool
	}{
		{"chosen_path", "", "", "hi / hey there", false},
		{"view_other_answer_to_its_newest_leaf", "", "hello", "hi / hello / more / done", true},
		{"view_user_turn_under_other_answer", "", "more", "hi / hello / more / done", true},
		{"view_on_chosen_path_is_chosen", "", "hi", "hi / hey there", false},
		{"view_back_after_choice", "hello", "hey there", "hi / hey there", true},
		{"view_the_chosen_answer", "hello", "hello", "hi / hello / more / done", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.choose != "" {
				if err := db.SetBranch(t.Context(), conv, id(tt.choose)); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					// t.Context() is already done when cleanups run.
					if err := db.ClearBranch(context.Background(), conv); err != nil {
						t.Error(err)
					}
				})
			}
			before, err := db.Conversation(t.Context(), conv)
			if err != nil {
				t.Fatal(err)
			}
			var via int64
			if tt.via != "" {
				via = id(tt.via)
			}
			d, err := db.ConversationVia(t.Context(), conv, via)
			if err != nil {
				t.Fatal(err)
			}
			if got := joined(d); got != tt.want || d.Viewing != tt.viewing {
				t.Errorf("ConversationVia(%q) = %q viewing=%v, want %q viewing=%v", tt.via, got, d.Viewing, tt.want, tt.viewing)
			}
			if d.HeadID != before.HeadID || d.BranchChosen != (tt.choose != "") {
				t.Errorf("ConversationVia(%q): head %d chosen=%v, want head %d chosen=%v", tt.via, d.HeadID, d.BranchChosen, before.HeadID, tt.choose != "")
			}
			after, err := db.Conversation(t.Context(), conv)
			if err != nil {
				t.Fatal(err)
			}
			if joined(after) != joined(before) || after.HeadID != before.HeadID || after.Viewing {
				t.Errorf("after viewing %q the chosen path is %q (head %d), want %q (head %d)", tt.via, joined(after), after.HeadID, joined(before), before.HeadID)
			}
		})
	}

	t.Run("via_of_other_conversation", func(t *testing.T) {
		if _, err := db.ConversationVia(t.Context(), conv, id("sure")); !errors.Is(err, ErrInvalid) {
			t.Errorf("ConversationVia(other conversation's message) = %v, want ErrInvalid", err)
		}
	})
}
