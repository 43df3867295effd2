package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

func count(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	// table is a constant of the test, never input.
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAgentSessionStoresPromptOnce: a coding agent resends a huge system prompt and
// tool list with every request; they are kept once, and another session of the same
// agent opening with the same words is another conversation.
func TestAgentSessionStoresPromptOnce(t *testing.T) {
	db := openTest(t)
	prompt := sys(strings.Repeat("You are a coding agent. ", 1500)) // ~36 KB
	tools := `[{"type":"function","function":{"name":"read_file","parameters":{}}}]`
	call := func(id string) dataset.Message {
		return dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: id, Name: "read_file", Arguments: `{"path":"main.go"}`}}}
	}
	result := func(id string) dataset.Message {
		return dataset.Message{Role: dataset.RoleTool, ToolCallID: id, Content: "package main"}
	}
	agent := func(sess string, history []dataset.Message, answer dataset.Message) step {
		r := session(round(append([]dataset.Message{prompt}, history...), answer), sess)
		r.Tools = tools
		return step{time.Second, r}
	}
	fix := user("fix the bug")
	writeSteps(t, db, []step{
		agent("s1", msgs(fix), call("c1")),
		agent("s1", msgs(fix, call("c1"), result("c1")), call("c2")),
		agent("s1", msgs(fix, call("c1"), result("c1"), call("c2"), result("c2")), bot("Fixed.")),
		agent("s2", msgs(fix), call("c9")),
	})
	got := shapes(t, db)
	if len(got) != 2 || len(got[1]) != 7 || len(got[0]) != 3 {
		t.Errorf("conversations = %q, want the session of 6 turns and a new one of 2 (each after the prompt)", got)
	}
	if n := count(t, db, "blobs"); n != 2 {
		t.Errorf("blobs = %d, want 2: the prompt and the tool list once each", n)
	}
	d, err := db.Conversation(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Tools != tools || d.Messages[0].Content != prompt.Content {
		t.Errorf("Conversation(1) tools %q, prompt %d bytes; want the stored tool list and prompt back", d.Tools, len(d.Messages[0].Content))
	}
}

func TestMediaStoredOnceByHash(t *testing.T) {
	db := openTest(t)
	cat, dog := []byte("\x89PNG cat"), []byte("\x89PNG dog")
	img := func(text string, data []byte) dataset.Message {
		return with(user(text), func(m *dataset.Message) {
			m.Media = []dataset.Media{{Kind: "image", MIME: "image/png", Data: data}, {Kind: "image", URL: "https://x/y.jpg"}}
		})
	}
	writeSteps(t, db, steps(
		round(msgs(img("what is this", cat)), bot("A cat.")),
		round(msgs(img("what is this", cat), bot("A cat."), user("sure?")), bot("Yes.")),
		round(msgs(img("what is this", dog)), bot("A dog.")),
	))
	if got, want := shapes(t, db), [][]string{{"u:what is this", "a:A dog."},
		{"u:what is this", "a:A cat.", "u:sure?", "a:Yes."}}; !cmp.Equal(want, got) {
		t.Errorf("conversations (-want +got):\n%s", cmp.Diff(want, got))
	}
	if n := count(t, db, "media"); n != 2 {
		t.Errorf("media rows = %d, want 2 (cat and dog once each)", n)
	}
	d, err := db.Conversation(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []dataset.Media{{Kind: "image", MIME: "image/png", Hash: dataset.MediaHash(cat)}, {Kind: "image", URL: "https://x/y.jpg"}}
	if diff := cmp.Diff(want, d.Messages[0].Media); diff != "" {
		t.Errorf("stored media (-want +got):\n%s", diff)
	}
	var inline int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM messages WHERE media LIKE '%"data"%'`).Scan(&inline); err != nil || inline != 0 {
		t.Errorf("messages with inline media data = %d, %v; want 0", inline, err)
	}
	mime, data, err := db.Media(t.Context(), dataset.MediaHash(cat))
	if err != nil || mime != "image/png" || !bytes.Equal(data, cat) {
		t.Errorf("Media(cat) = %q, %q, %v; want image/png and the bytes", mime, data, err)
	}
	if _, _, err := db.Media(t.Context(), "feed"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Media(feed) error = %v, want ErrNotFound", err)
	}
}

func TestPreviousResponseID(t *testing.T) {
	responses := func(input []dataset.Message, prev, id, answer string) *dataset.Round {
		r := round(input, bot(answer))
		r.Dialect, r.PreviousResponseID, r.ResponseID = "openai-responses", prev, id
		return r
	}
	tests := []struct {
		name  string
		steps []step
		want  [][]string
	}{
		{
			name: "chain_continues_with_only_new_items",
			steps: steps(
				responses(msgs(sys("be brief"), user("hi")), "", "resp_1", "hello"),
				responses(msgs(user("more")), "resp_1", "resp_2", "sure"),
				responses(msgs(user("again")), "resp_2", "resp_3", "ok"),
			),
			want: [][]string{{"s:be brief", "u:hi", "a:hello", "u:more", "a:sure", "u:again", "a:ok"}},
		},
		{
			name: "same_input_on_same_response_is_regeneration",
			steps: steps(
				responses(msgs(user("hi")), "", "resp_1", "hello"),
				responses(msgs(user("more")), "resp_1", "resp_2", "sure"),
				responses(msgs(user("more")), "resp_1", "resp_3", "fine"),
			),
			want: [][]string{{"u:hi", "a:hello", "u:more", "a+:fine"}},
		},
		{
			name: "unknown_previous_response_is_new_conversation",
			steps: steps(
				responses(msgs(user("hi")), "", "resp_1", "hello"),
				responses(msgs(user("more")), "resp_404", "resp_2", "sure"),
			),
			want: [][]string{{"u:more", "a:sure"}, {"u:hi", "a:hello"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			writeSteps(t, db, tt.steps)
			if diff := cmp.Diff(tt.want, shapes(t, db)); diff != "" {
				t.Errorf("conversations (-want +got):\n%s", diff)
			}
		})
	}
}
