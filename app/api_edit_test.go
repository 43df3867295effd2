package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/store"
)

// send makes one API request and returns the status and body.
func (ta *testApp) send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return ta.Send(t, method, path, body)
}

// ids maps the text of every message on the chosen paths, and each conversation's
// title prefixed with "#", to its id.
func (ta *testApp) ids(t *testing.T) map[string]int64 {
	t.Helper()
	return ta.IDs(t)
}

func TestEditAPI(t *testing.T) {
	ta := startApp(t, fakeOpenAI(t).URL)
	ta.chat(t, false, "hi")
	ta.chat(t, false, "hi", "answer 1", "more")
	ta.chat(t, false, "hi", "answer 1", "other") // the client edited "more": a sibling
	ta.chat(t, false, "another chat")
	ta.wait(t, 4)
	ids := ta.ids(t)
	conv, hi, answer1, foreign := ids["#hi"], ids["hi"], ids["answer 1"], ids["another chat"]
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", conv), &d)
	if len(d.Messages) != 4 || len(d.Messages[2].SiblingIDs) != 2 {
		t.Fatalf("conversation = %+v, want 4 messages, the third with a sibling", d.Messages)
	}
	more, other := d.Messages[2].SiblingIDs[0], d.Messages[2].SiblingIDs[1]

	msg := func(id int64, suffix string) string { return fmt.Sprintf("/api/messages/%d%s", id, suffix) }
	cv := func(suffix string) string { return fmt.Sprintf("/api/conversations/%d%s", conv, suffix) }
	// The rows run in order: each sees the changes of those before it.
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantInBody               string
	}{
		{"edit_answer", "PUT", msg(answer1, ""), `{"content":"a better answer"}`, 200, `"original":"answer 1"`},
		{"edit_empty", "PUT", msg(answer1, ""), `{"content":"  "}`, 400, "content"},
		{"edit_without_content", "PUT", msg(answer1, ""), `{}`, 400, "content"},
		{"edit_unknown_message", "PUT", msg(999, ""), `{"content":"x"}`, 404, "not found"},
		{"edit_non_numeric_id", "PUT", "/api/messages/abc", `{"content":"x"}`, 400, "positive integer"},
		{"edit_unknown_field", "PUT", msg(answer1, ""), `{"text":"x"}`, 400, "unknown field"},
		{"undo_edit", "DELETE", msg(answer1, "/edit"), "", 200, `"content":"answer 1"`},
		{"dont_train_answer", "PUT", msg(answer1, "/train"), `{"train":false}`, 204, ""},
		{"train_user_turn", "PUT", msg(hi, "/train"), `{"train":false}`, 400, "assistant"},
		{"train_without_value", "PUT", msg(answer1, "/train"), `{}`, 400, "train"},
		{"train_unknown_message", "PUT", msg(999, "/train"), `{"train":false}`, 404, "not found"},
		{"preferred_answer", "PUT", msg(answer1, "/preferred"), `{}`, 204, ""},
		{"preferred_user_turn", "PUT", msg(hi, "/preferred"), `{}`, 400, "assistant"},
		{"detail_shows_flags", "GET", cv(""), "", 200, `"train":false,"preferred":true`},
		{"thumb_up", "PUT", msg(answer1, "/thumb"), `{"thumb":1}`, 204, ""},
		{"thumb_user_turn", "PUT", msg(hi, "/thumb"), `{"thumb":1}`, 400, "only answers"},
		{"thumb_out_of_range", "PUT", msg(answer1, "/thumb"), `{"thumb":3}`, 400, "thumb"},
		{"thumb_missing", "PUT", msg(answer1, "/thumb"), `{}`, 400, "thumb"},
		{"detail_shows_thumb", "GET", cv(""), "", 200, `"thumb":1`},
		{"list_thumbs_up", "GET", "/api/conversations?thumbs=up", "", 200, `"total":1`},
		{"list_thumbs_up_is_this_one", "GET", "/api/conversations?thumbs=up", "", 200, `"title":"hi"`},
		{"list_shows_thumbs", "GET", "/api/conversations?thumbs=up", "", 200, `"thumbsUp":1`},
		{"list_thumbs_down_none", "GET", "/api/conversations?thumbs=down", "", 200, `"total":0`},
		{"list_bad_thumbs", "GET", "/api/conversations?thumbs=sideways", "", 400, "thumbs"},
		{"score_conversation", "PUT", cv("/score"), `{"score":4}`, 204, ""},
		{"score_out_of_range", "PUT", cv("/score"), `{"score":9}`, 400, "score"},
		{"score_not_a_number", "PUT", cv("/score"), `{"score":"good"}`, 400, ""},
		{"score_unknown_conversation", "PUT", "/api/conversations/999/score", `{"score":1}`, 404, "not found"},
		{"list_by_score", "GET", "/api/conversations?score=4&score=5", "", 200, `"total":1`},
		{"list_unrated", "GET", "/api/conversations?score=0", "", 200, `"title":"another chat"`},
		{"list_bad_score", "GET", "/api/conversations?score=7", "", 400, "score"},
		{"view_other_branch", "GET", cv(fmt.Sprintf("?via=%d", more)), "", 200, `"viewing":true`},
		{"view_leaves_choice", "GET", cv(""), "", 200, `"content":"other"`},
		{"view_foreign_message", "GET", cv(fmt.Sprintf("?via=%d", foreign)), "", 400, "not a message of conversation"},
		{"view_bad_via", "GET", cv("?via=x"), "", 400, "via"},
		{"branch_to_edited_turn", "PUT", cv("/branch"), fmt.Sprintf(`{"messageId":%d}`, more), 200, `"content":"more"`},
		{"branch_to_other_conversation", "PUT", cv("/branch"), fmt.Sprintf(`{"messageId":%d}`, foreign), 400, "not a message of conversation"},
		{"branch_without_message", "PUT", cv("/branch"), `{}`, 400, "messageId"},
		{"branch_unknown_conversation", "PUT", "/api/conversations/999/branch", fmt.Sprintf(`{"messageId":%d}`, more), 404, "not found"},
		{"siblings_listed", "GET", cv(""), "", 200, fmt.Sprintf(`"siblingIds":[%d,%d]`, more, other)},
		{"choice_shown", "GET", cv(""), "", 200, `"branchChosen":true`},
		{"cut_at_user_turn", "PUT", cv("/cut"), fmt.Sprintf(`{"messageId":%d}`, more), 200, `"messageCount":3`},
		{"undo_cut", "DELETE", cv("/cut"), "", 200, `"content":"more"`},
		{"undo_branch", "DELETE", cv("/branch"), "", 200, `"content":"other"`},
		{"edit_system_prompt", "PUT", cv("/system"), `{"content":"be brief"}`, 200, `"role":"system","content":"be brief"`},
		{"undo_system_prompt", "DELETE", cv("/system"), "", 200, `"title":"hi"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ta.send(t, tt.method, tt.path, tt.body)
			if code != tt.wantStatus || !strings.Contains(body, tt.wantInBody) {
				t.Errorf("%s %s = %d %s, want %d containing %s", tt.method, tt.path, code, body, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}

// TestConcurrentEdits: edits of one conversation racing each other all land, the
// last writer wins, and the conversation reads whole afterwards.
func TestConcurrentEdits(t *testing.T) {
	ta := startApp(t, fakeOpenAI(t).URL)
	ta.chat(t, false, "hi")
	ta.chat(t, false, "hi", "answer 1", "more")
	ta.wait(t, 2)
	ids := ta.ids(t)
	conv, answer1, answer2 := ids["#hi"], ids["answer 1"], ids["answer 2"]

	const n = 16
	var wg sync.WaitGroup
	codes := make([]int, n*2)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			codes[2*i], _ = ta.send(t, "PUT", fmt.Sprintf("/api/messages/%d", answer1), fmt.Sprintf(`{"content":"version %d"}`, i))
		}()
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/api/conversations/%d/cut", conv)
			if i%2 == 0 {
				codes[2*i+1], _ = ta.send(t, "PUT", path, fmt.Sprintf(`{"messageId":%d}`, answer1))
			} else {
				codes[2*i+1], _ = ta.send(t, "DELETE", path, "")
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d = %d, want 200", i, c)
		}
	}
	last := "version 7"
	if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/messages/%d", answer1), `{"content":"`+last+`"}`); code != 200 {
		t.Fatalf("final edit = %d %s", code, body)
	}
	ta.send(t, "DELETE", fmt.Sprintf("/api/conversations/%d/cut", conv), "")
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", conv), &d)
	var got []string
	for _, m := range d.Messages {
		got = append(got, m.Content)
	}
	if want := "hi/" + last + "/more/answer 2"; strings.Join(got, "/") != want || d.Messages[3].ID != answer2 {
		t.Errorf("conversation after racing edits = %q, want %q", strings.Join(got, "/"), want)
	}
	if o := d.Messages[1].Original; o == nil || *o != "answer 1" {
		b, _ := json.Marshal(d.Messages[1])
		t.Errorf("edited answer = %s, want original %q", b, "answer 1")
	}
}

// TestEditsSurviveReindex: every kind of change, made through the API on captured
// traffic, reads and exports the same after Reindex re-parses the exchanges.
func TestEditsSurviveReindex(t *testing.T) {
	ta := startApp(t, fakeOpenAI(t).URL)
	ta.chat(t, false, "hi")
	ta.chat(t, false, "hi", "answer 1", "more")
	ta.chat(t, false, "hi", "answer 1", "other")
	ta.chat(t, false, "hi", "answer 1", "other", "answer 2", "last")
	ta.wait(t, 4)
	ids := ta.ids(t)
	conv := ids["#hi"]
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", conv), &d)
	more := d.Messages[2].SiblingIDs[0]
	for _, c := range []struct{ method, path, body string }{
		{"PUT", fmt.Sprintf("/api/messages/%d", ids["answer 1"]), `{"content":"Answer one."}`},
		{"PUT", fmt.Sprintf("/api/messages/%d/preferred", ids["answer 1"]), `{}`},
		{"PUT", fmt.Sprintf("/api/conversations/%d/system", conv), `{"content":"be brief"}`},
		{"PUT", fmt.Sprintf("/api/conversations/%d/branch", conv), fmt.Sprintf(`{"messageId":%d}`, more)},
		{"PUT", fmt.Sprintf("/api/conversations/%d/cut", conv), fmt.Sprintf(`{"messageId":%d}`, more)},
		{"DELETE", fmt.Sprintf("/api/conversations/%d/cut", conv), ""},
		{"PUT", fmt.Sprintf("/api/messages/%d/train", ids["answer 1"]), `{"train":false}`},
	} {
		if code, body := ta.send(t, c.method, c.path, c.body); code != 204 && code != 200 {
			t.Fatalf("%s %s = %d %s", c.method, c.path, code, body)
		}
	}
	snapshot := func() string {
		ids := ta.ids(t)
		var d store.Detail
		ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", ids["#hi"]), &d)
		var s []string
		for _, m := range d.Messages {
			line := string(m.Role) + ":" + m.Content
			if m.Original != nil {
				line += " (was " + *m.Original + ")"
			}
			s = append(s, fmt.Sprintf("%s train=%v preferred=%v siblings=%d", line, m.Train, m.Preferred, len(m.SiblingIDs)))
		}
		var p export.Preview
		ta.getJSON(t, "/api/export/preview", &p)
		b, _ := json.Marshal(p)
		return strings.Join(s, "\n") + "\n" + string(b)
	}
	before := snapshot()
	if !strings.Contains(before, "user:more") || !strings.Contains(before, "Answer one.") {
		t.Fatalf("changes not applied before reindex:\n%s", before)
	}
	if _, err := Reindex(t.Context(), ta.db, 1, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshot()); diff != "" {
		t.Errorf("after reindex (-before +after):\n%s", diff)
	}
}
