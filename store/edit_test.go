package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// recorder captures rounds one second apart, continuing where it left off, so the
// newest message is always the one captured last.
type recorder struct {
	db *DB
	at time.Time
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	return &recorder{db: openTest(t), at: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
}

// capture stores r as one exchange whose body is r itself (decided back by fromBody).
func (rc *recorder) capture(t *testing.T, r *dataset.Round) {
	t.Helper()
	rc.at = rc.at.Add(time.Second)
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	c := Capture{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Route: "target", Host: "up",
		Path: "/v1/chat/completions", Status: 200, Start: rc.at, FirstByte: rc.at.Add(120 * time.Millisecond),
		End: rc.at.Add(900 * time.Millisecond), ReqBody: body}, Round: r}
	if err := rc.db.Write(t.Context(), []Capture{c}); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// msgID finds the newest message with the given text.
func msgID(t *testing.T, db *DB, content string) int64 {
	t.Helper()
	var id int64
	if err := db.sql.QueryRow(`SELECT id FROM messages WHERE content = ? ORDER BY id DESC LIMIT 1`, content).Scan(&id); err != nil {
		t.Fatalf("message %q: %v", content, err)
	}
	return id
}

// convID finds the conversation with the given title.
func convID(t *testing.T, db *DB, title string) int64 {
	t.Helper()
	var id int64
	if err := db.sql.QueryRow(`SELECT id FROM conversations WHERE title = ? AND head_id IS NOT NULL`, title).Scan(&id); err != nil {
		t.Fatalf("conversation %q: %v", title, err)
	}
	return id
}

// view renders a conversation's chosen path with the person's changes: role
// initial and text, "(was …)" for an edit, "!train" and "+preferred".
func view(t *testing.T, db *DB, id int64) []string {
	t.Helper()
	d, err := db.Conversation(t.Context(), id)
	if err != nil {
		t.Fatalf("Conversation(%d): %v", id, err)
	}
	return render(d.Messages)
}

func render(msgs []Message) []string {
	out := []string{}
	for _, m := range msgs {
		s := string(m.Role[0]) + ":" + m.Content
		if m.Original != nil {
			s += " (was " + *m.Original + ")"
		}
		if !m.Train {
			s += " !train"
		}
		if m.Preferred {
			s += " +preferred"
		}
		out = append(out, s)
	}
	return out
}

func TestEditMessages(t *testing.T) {
	tests := []struct {
		name    string
		change  func(db *DB, conv, hi, hello int64) error
		wantErr error
		want    []string
	}{
		{"edit_answer", func(db *DB, _, _, hello int64) error {
			return db.EditMessage(t.Context(), hello, "hello there")
		}, nil, []string{"s:be nice", "u:hi", "a:hello there (was hello)"}},
		{"edit_user_turn", func(db *DB, _, hi, _ int64) error {
			return db.EditMessage(t.Context(), hi, "hi!")
		}, nil, []string{"s:be nice", "u:hi! (was hi)", "a:hello"}},
		{"edit_back_to_captured_drops_edit", func(db *DB, _, _, hello int64) error {
			return errors.Join(db.EditMessage(t.Context(), hello, "x"), db.EditMessage(t.Context(), hello, "hello"))
		}, nil, []string{"s:be nice", "u:hi", "a:hello"}},
		{"undo_edit", func(db *DB, _, _, hello int64) error {
			return errors.Join(db.EditMessage(t.Context(), hello, "x"), db.ClearEdit(t.Context(), hello))
		}, nil, []string{"s:be nice", "u:hi", "a:hello"}},
		{"empty_content", func(db *DB, _, _, hello int64) error {
			return db.EditMessage(t.Context(), hello, " \n")
		}, ErrInvalid, nil},
		{"unknown_message", func(db *DB, _, _, _ int64) error {
			return db.EditMessage(t.Context(), 999, "x")
		}, ErrNotFound, nil},
		{"dont_train_answer", func(db *DB, _, _, hello int64) error {
			return db.SetTrain(t.Context(), hello, false)
		}, nil, []string{"s:be nice", "u:hi", "a:hello !train"}},
		{"train_again", func(db *DB, _, _, hello int64) error {
			return errors.Join(db.SetTrain(t.Context(), hello, false), db.SetTrain(t.Context(), hello, true))
		}, nil, []string{"s:be nice", "u:hi", "a:hello"}},
		{"train_flag_on_user_turn", func(db *DB, _, hi, _ int64) error {
			return db.SetTrain(t.Context(), hi, false)
		}, ErrInvalid, nil},
		{"preferred_user_turn", func(db *DB, _, hi, _ int64) error {
			return db.SetPreferred(t.Context(), hi, true)
		}, ErrInvalid, nil},
		{"edit_system_prompt", func(db *DB, conv, _, _ int64) error {
			return db.SetSystem(t.Context(), conv, "be brief")
		}, nil, []string{"s:be brief (was be nice)", "u:hi", "a:hello"}},
		{"remove_system_prompt", func(db *DB, conv, _, _ int64) error {
			return db.SetSystem(t.Context(), conv, "")
		}, nil, []string{"s: (was be nice)", "u:hi", "a:hello"}},
		{"restore_system_prompt", func(db *DB, conv, _, _ int64) error {
			return errors.Join(db.SetSystem(t.Context(), conv, "x"), db.ClearSystem(t.Context(), conv))
		}, nil, []string{"s:be nice", "u:hi", "a:hello"}},
		{"system_prompt_of_unknown_conversation", func(db *DB, _, _, _ int64) error {
			return db.SetSystem(t.Context(), 999, "x")
		}, ErrNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRecorder(t)
			rc.capture(t, round(msgs(sys("be nice"), user("hi")), bot("hello")))
			conv := convID(t, rc.db, "hi")
			err := tt.change(rc.db, conv, msgID(t, rc.db, "hi"), msgID(t, rc.db, "hello"))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, view(t, rc.db, conv)); diff != "" {
				t.Errorf("conversation (-want +got):\n%s", diff)
			}
			if n := count(t, rc.db, "message_edits") + count(t, rc.db, "conversation_choices"); strings.HasPrefix(tt.name, "undo") && n != 0 {
				t.Errorf("rows left after undo = %d, want 0", n)
			}
		})
	}
}

func TestSystemPromptAddedWhenNoneCaptured(t *testing.T) {
	rc := newRecorder(t)
	rc.capture(t, round(msgs(user("hi")), bot("hello")))
	conv := convID(t, rc.db, "hi")
	if err := rc.db.SetSystem(t.Context(), conv, "be brief"); err != nil {
		t.Fatal(err)
	}
	d, err := rc.db.Conversation(t.Context(), conv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(d.Messages), []string{"s:be brief (was )", "u:hi", "a:hello"}; !cmp.Equal(want, got) {
		t.Errorf("conversation = %q, want %q", got, want)
	}
	if d.Messages[0].ID != -1 {
		t.Errorf("added system prompt id = %d, want -1", d.Messages[0].ID)
	}
}

func TestPreferredAndSiblings(t *testing.T) {
	rc := newRecorder(t)
	hi := msgs(user("hi"))
	rc.capture(t, round(hi, bot("hello")))
	rc.capture(t, round(hi, bot("hey there")))
	rc.capture(t, round(hi, bot("yo")))
	hello, hey, yo := msgID(t, rc.db, "hello"), msgID(t, rc.db, "hey there"), msgID(t, rc.db, "yo")
	db := rc.db

	for _, tt := range []struct {
		name string
		id   int64
		pref bool
		want string // the preferred answer, "" for none
	}{
		{"prefer_first", hello, true, "hello"},
		{"prefer_another_unmarks_first", hey, true, "hey there"},
		{"unmark", hey, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.SetPreferred(t.Context(), tt.id, tt.pref); err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, id := range []int64{hello, hey, yo} {
				m, err := db.Message(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				if m.Preferred {
					got += m.Content
				}
				if want := []int64{hello, hey, yo}; !cmp.Equal(want, m.SiblingIDs) {
					t.Errorf("message %d siblingIds = %v, want %v", id, m.SiblingIDs, want)
				}
			}
			if got != tt.want {
				t.Errorf("preferred = %q, want %q", got, tt.want)
			}
		})
	}
	if n := count(t, db, "message_edits"); n != 0 {
		t.Errorf("message_edits rows after unmarking = %d, want 0", n)
	}
}

func TestAnswerUsageAndTiming(t *testing.T) {
	rc := newRecorder(t)
	r := round(msgs(user("hi")), bot("hello"))
	r.Usage = dataset.Usage{PromptTokens: 5, CompletionTokens: 2, TotalTokens: 7, CachedTokens: 3, CacheWriteTokens: 1}
	rc.capture(t, r)
	d, err := rc.db.Conversation(t.Context(), convID(t, rc.db, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	u, a := d.Messages[0], d.Messages[1]
	if u.Usage != nil || u.DurationMs != nil || u.FirstByteMs != nil {
		t.Errorf("user turn usage/timing = %v %v %v, want none", u.Usage, u.DurationMs, u.FirstByteMs)
	}
	got := fmt.Sprint(a.Usage, " ", deref(a.DurationMs), " ", deref(a.FirstByteMs))
	if want := "&{5 2 7 3 1} 900 120"; got != want {
		t.Errorf("answer usage, durationMs, firstByteMs = %s, want %s", got, want)
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func TestTrainingMessages(t *testing.T) {
	call := dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}}}
	result := dataset.Message{Role: dataset.RoleTool, Content: "42", ToolCallID: "c1"}
	const off = false
	tests := []struct {
		name   string
		msgs   []dataset.Message
		skip   []int // indexes of answers marked "don't train"
		want   string
		masked string // maskedMessages, "!" after a turn with NoTrain; "" is want
	}{
		{"nothing_marked", msgs(user("a"), bot("1"), user("b"), bot("2")), nil, "u:a a:1 u:b a:2", ""},
		{"last_round", msgs(user("a"), bot("1"), user("b"), bot("2")), []int{3}, "u:a a:1", "u:a a:1 u:b a:2!"},
		{"middle_round", msgs(user("a"), bot("1"), user("b"), bot("2"), user("c"), bot("3")), []int{3}, "u:a a:1 u:c a:3", "u:a a:1 u:b a:2! u:c a:3"},
		{"tool_round_by_final_answer", msgs(user("a"), call, result, bot("1"), user("b"), bot("2")), []int{3}, "u:b a:2", "u:a a: t:42 a:1! u:b a:2"},
		{"tool_round_by_call", msgs(user("a"), bot("0"), user("b"), call, result, bot("1")), []int{3}, "u:a a:0", "u:a a:0 u:b a:! t:42 a:1"},
		{"consecutive_user_turns", msgs(user("a"), user("a2"), bot("1"), user("b"), bot("2")), []int{2}, "u:b a:2", "u:a u:a2 a:1! u:b a:2"},
		{"greeting_before_first_user", msgs(bot("welcome"), user("a"), bot("1")), []int{0}, "u:a a:1", "a:welcome! u:a a:1"},
		{"every_round", msgs(user("a"), bot("1")), []int{1}, "", "u:a a:1!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []Message{{ID: -1, Message: sys("s"), Review: Review{Train: true}}}
			for i, m := range tt.msgs {
				in = append(in, Message{ID: int64(i + 1), Message: m, Review: Review{Train: true}})
			}
			for _, i := range tt.skip {
				in[i+1].Train = off
			}
			var got []string
			for _, m := range trainingMessages(in)[1:] {
				got = append(got, string(m.Role[0])+":"+m.Content)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("trainingMessages = %q, want %q", g, tt.want)
			}
			want := tt.masked
			if want == "" {
				want = tt.want
			}
			got = nil
			for _, m := range maskedMessages(in)[1:] {
				mark := ""
				if m.NoTrain {
					mark = "!"
				}
				got = append(got, string(m.Role[0])+":"+m.Content+mark)
			}
			if g := strings.Join(got, " "); g != want {
				t.Errorf("maskedMessages = %q, want %q", g, want)
			}
		})
	}
}
