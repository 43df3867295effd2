package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// step is one captured round, after a pause since the one before.
type step struct {
	after time.Duration
	r     *dataset.Round
}

// at returns steps taken one second apart.
func steps(rounds ...*dataset.Round) []step {
	out := make([]step, len(rounds))
	for i, r := range rounds {
		out[i] = step{time.Second, r}
	}
	return out
}

func writeSteps(t *testing.T, db *DB, ss []step) {
	t.Helper()
	for i, c := range stepCaptures(t, ss) {
		if err := db.Write(t.Context(), []Capture{c}); err != nil {
			t.Fatalf("Write round %d: %v", i, err)
		}
	}
}

// stepCaptures makes the capture of each step.
func stepCaptures(t *testing.T, ss []step) []Capture {
	t.Helper()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	caps := make([]Capture, len(ss))
	for i, s := range ss {
		at = at.Add(s.after)
		// The body is the round itself, so reindex tests can decide it back (fromBody).
		body, err := json.Marshal(s.r)
		if err != nil {
			t.Fatal(err)
		}
		caps[i] = Capture{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Route: "target",
			Host: "up", Path: "/v1/chat/completions", Status: 200, Start: at, End: at, ReqBody: body}, Round: s.r}
	}
	return caps
}

// shapes renders each conversation's chosen path, newest conversation first: role
// initial, "*" for a turn edited by the client, the sibling count when above one.
func shapes(t *testing.T, db *DB) [][]string {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{}
	for _, s := range items {
		d, err := db.Conversation(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, m := range d.Messages {
			p := string(m.Role[0])
			if m.EditedByClient {
				p += "*"
			}
			if m.Siblings > 1 {
				p += strings.Repeat("+", m.Siblings-1)
			}
			path = append(path, p+":"+m.Content)
		}
		out = append(out, path)
	}
	return out
}

func with(m dataset.Message, f func(*dataset.Message)) dataset.Message { f(&m); return m }

func named(m dataset.Message, name string) dataset.Message {
	return with(m, func(m *dataset.Message) { m.Name = name })
}

func session(r *dataset.Round, id string) *dataset.Round { r.SessionID = id; return r }

// anthropic marks r as an Anthropic Messages round, whose API continues a trailing
// assistant message (a prefill).
func anthropic(r *dataset.Round) *dataset.Round { r.Dialect = dataset.Anthropic; return r }

func msgs(m ...dataset.Message) []dataset.Message { return m }

// clientCase is a sequence of rounds and the conversations they must make.
type clientCase struct {
	name  string
	steps []step
	want  [][]string
}

// clientCases are rounds shaped like real client traffic.
func clientCases() []clientCase {
	card := "You are Bob, a pirate. {{user}} is Alice."
	greeting := bot("Arr, who goes there?")
	exU, exA := named(sys("Where is the treasure?"), "example_user"), named(sys("Buried, matey."), "example_assistant")
	poem := user("write a poem")
	return []clientCase{
		{
			name: "sillytavern_system_prompt_changes_every_turn",
			steps: steps(
				round(msgs(sys("Today is Monday. "+card), greeting, user("It's Alice")), bot("Ahoy Alice!")),
				round(msgs(sys("Today is Tuesday. "+card), greeting, user("It's Alice"), bot("Ahoy Alice!"), user("Any gold?")), bot("Plenty.")),
			),
			want: [][]string{{"s:Today is Tuesday. " + card, "a:Arr, who goes there?", "u:It's Alice", "a:Ahoy Alice!", "u:Any gold?", "a:Plenty."}},
		},
		{
			name: "sillytavern_examples_notes_and_trimmed_whitespace",
			steps: steps(
				round(msgs(sys(card), exU, exA, greeting, user("hello")), bot("  Ahoy!\n\n\nWelcome aboard.  ")),
				round(msgs(sys(card), exU, exA, greeting, user("hello"), bot("Ahoy!\nWelcome aboard."),
					sys("[Author's note: keep it short]"), user("where to?")), bot("Tortuga.")),
				round(msgs(sys(card), exU, exA, greeting, user("hello"), bot("Ahoy!\n\nWelcome   aboard."), user("where to?"),
					sys("[Author's note: keep it short]"), bot("Tortuga."), user("why?")), bot("Rum.")),
			),
			want: [][]string{{"s:" + card, "s:Where is the treasure?", "s:Buried, matey.", "a:Arr, who goes there?", "u:hello",
				"a:  Ahoy!\n\n\nWelcome aboard.  ", "u:where to?", "a:Tortuga.", "u:why?", "a:Rum."}},
		},
		{
			name: "example_dialogue_as_named_user_and_assistant_turns",
			steps: steps(
				round(msgs(sys(card), named(user("Hi"), "example_user"), named(bot("Yo"), "example_assistant"), user("hello")), bot("Ahoy!")),
				round(msgs(sys(card), named(user("Hi"), "example_user"), named(bot("Yo"), "example_assistant"), user("hello"), bot("Ahoy!"), user("bye")), bot("Farewell.")),
			),
			want: [][]string{{"s:" + card, "u:Hi", "a:Yo", "u:hello", "a:Ahoy!", "u:bye", "a:Farewell."}},
		},
		{
			name: "continue_merges_into_answer_and_keeps_partial_as_sibling",
			steps: steps(
				round(msgs(poem), bot("Roses are red,")),
				round(msgs(poem, bot("Roses are red,"), sys("[Continue your last message]")), bot(" violets are blue.")),
				round(msgs(poem, bot("Roses are red, violets are blue."), user("nice")), bot("Thanks!")),
			),
			want: [][]string{{"u:write a poem", "a+:Roses are red, violets are blue.", "u:nice", "a:Thanks!"}},
		},
		{
			name: "prefill_is_merged_and_not_stored_alone",
			steps: steps(
				anthropic(round(msgs(user("json please"), bot("{")), bot(`"a": 1}`))),
				anthropic(round(msgs(user("json please"), bot(`{"a": 1}`), user("again")), bot(`{"a": 2}`))),
			),
			want: [][]string{{"u:json please", `a:{"a": 1}`, "u:again", `a:{"a": 2}`}},
		},
		{
			name:  "server_echoing_the_prefill_is_not_doubled",
			steps: steps(anthropic(round(msgs(user("count"), bot("1, 2,")), bot("1, 2, 3")))),
			want:  [][]string{{"u:count", "a:1, 2, 3"}},
		},
		{
			// OpenAI answers a history ending in an assistant message with a new message.
			name:  "openai_trailing_assistant_is_followed_by_a_new_turn",
			steps: steps(round(msgs(user("count"), bot("1, 2,")), bot("What should I count?"))),
			want:  [][]string{{"u:count", "a:1, 2,", "a:What should I count?"}},
		},
		{
			name: "client_edited_first_answer_is_marked_sibling",
			steps: steps(
				round(msgs(user("hi")), bot("Hello! How can I help you today?")),
				round(msgs(user("hi"), bot("Hello! How can I help?"), user("weather")), bot("Sunny.")),
			),
			want: [][]string{{"u:hi", "a*+:Hello! How can I help?", "u:weather", "a:Sunny."}},
		},
		{
			name: "client_rewrote_later_answer_is_marked_sibling",
			steps: steps(
				round(msgs(user("hi")), bot("hello")),
				round(msgs(user("hi"), bot("hello"), user("story")), bot("Once upon a time.")),
				round(msgs(user("hi"), bot("hello"), user("story"), bot("Something entirely different."), user("go on")), bot("And then.")),
			),
			want: [][]string{{"u:hi", "a:hello", "u:story", "a*+:Something entirely different.", "u:go on", "a:And then."}},
		},
		{
			name: "edited_user_message_mid_history_is_sibling",
			steps: steps(
				round(msgs(user("hi")), bot("hello")),
				round(msgs(user("hi"), bot("hello"), user("tell a joke")), bot("Why did the chicken...")),
				round(msgs(user("hi"), bot("hello"), user("tell a pun"), bot("Why did the chicken..."), user("ha")), bot("heh")),
			),
			want: [][]string{{"u:hi", "a:hello", "u*+:tell a pun", "a:Why did the chicken...", "u:ha", "a:heh"}},
		},
		{
			name: "edited_first_user_message_is_root_sibling",
			steps: steps(
				round(msgs(user("what is go")), bot("Go is a programming language.")),
				round(msgs(user("what is golang"), bot("Go is a programming language."), user("more")), bot("It has goroutines.")),
			),
			want: [][]string{{"u*+:what is golang", "a:Go is a programming language.", "u:more", "a:It has goroutines."}},
		},
		{
			name: "same_opening_hours_later_is_new_conversation",
			steps: []step{
				{0, round(msgs(user("hi")), bot("hello"))},
				{7 * time.Hour, round(msgs(user("hi")), bot("hey"))},
			},
			want: [][]string{{"u:hi", "a:hey"}, {"u:hi", "a:hello"}},
		},
		{
			name: "same_opening_other_session_is_new_conversation",
			steps: []step{
				{0, session(round(msgs(user("hi")), bot("hello")), "s1")},
				{time.Minute, session(round(msgs(user("hi")), bot("hey")), "s2")},
			},
			want: [][]string{{"u:hi", "a:hey"}, {"u:hi", "a:hello"}},
		},
		{
			name: "same_session_regenerates_hours_later",
			steps: []step{
				{0, session(round(msgs(user("hi")), bot("hello")), "s1")},
				{7 * time.Hour, session(round(msgs(user("hi")), bot("hey")), "s1")},
			},
			want: [][]string{{"u:hi", "a+:hey"}},
		},
		{
			name: "answered_chat_continues_days_later",
			steps: []step{
				{0, round(msgs(user("hi")), bot("hello"))},
				{72 * time.Hour, round(msgs(user("hi"), bot("hello"), user("back")), bot("welcome back"))},
			},
			want: [][]string{{"u:hi", "a:hello", "u:back", "a:welcome back"}},
		},
		{
			// "good morning" was never captured: the client's rewrite of "hello"
			// (issue 12). Both answers go on, so the tree holds two paths, and an
			// export writes each as its own record (store/paths.go).
			name: "chats_sharing_opening_branch_once_diverged",
			steps: steps(
				round(msgs(user("hi")), bot("hello")),
				round(msgs(user("hi"), bot("good morning"), user("news?")), bot("none")),
				round(msgs(user("hi"), bot("hello"), user("more")), bot("sure")),
			),
			want: [][]string{{"u:hi", "a+:hello", "u:more", "a:sure"}},
		},
		{
			name: "greeting_shared_by_new_chat_is_not_a_continuation",
			steps: []step{
				{0, round(msgs(sys(card), greeting, user("hello")), bot("Ahoy!"))},
				{time.Minute, round(msgs(sys(card), greeting, user("who are you")), bot("Bob."))},
			},
			want: [][]string{{"s:" + card, "a:Arr, who goes there?", "u:who are you", "a:Bob."},
				{"s:" + card, "a:Arr, who goes there?", "u:hello", "a:Ahoy!"}},
		},
		{
			// SillyTavern's Continue with continue_prefill on: the partial answer is
			// sent back as the last message, with no nudge (issue 12).
			name: "continue_prefill_extends_the_captured_answer",
			steps: steps(
				round(msgs(user("tell a story")), bot("Once upon")),
				round(msgs(user("tell a story"), bot("Once upon")), bot(" a time.")),
			),
			want: [][]string{{"u:tell a story", "a+:Once upon a time."}},
		},
		{
			name:  "n_choices_stay_siblings",
			steps: steps(round(msgs(user("colour")), bot("red"), bot("blue"))),
			want:  [][]string{{"u:colour", "a+:red"}},
		},
	}
}

// TestThreadingClientsPrepared writes the same rounds prepared beforehand, as the
// capture pipeline does while the batch before is written: they must thread the
// same, and writing must leave what Prepare worked out as it was (a batch the
// database refuses is written again, one capture at a time).
func TestThreadingClientsPrepared(t *testing.T) {
	for _, tt := range clientCases() {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			for i, c := range stepCaptures(t, tt.steps) {
				c.Prepare()
				before := *c.prep
				if err := db.Write(t.Context(), []Capture{c}); err != nil {
					t.Fatalf("Write round %d: %v", i, err)
				}
				if diff := cmp.Diff(before, *c.prep, cmp.AllowUnexported(prepared{}, answerRef{})); diff != "" {
					t.Errorf("round %d: Write changed what Prepare worked out (-before +after):\n%s", i, diff)
				}
			}
			if diff := cmp.Diff(tt.want, shapes(t, db)); diff != "" {
				t.Errorf("conversations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestThreadingClients feeds rounds shaped like real client traffic through Write.
func TestThreadingClients(t *testing.T) {
	for _, tt := range clientCases() {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			writeSteps(t, db, tt.steps)
			if diff := cmp.Diff(tt.want, shapes(t, db)); diff != "" {
				t.Errorf("conversations (-want +got):\n%s", diff)
			}
		})
	}
}
