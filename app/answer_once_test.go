package app

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/store"
)

// TestLongAnswerRoundTrip: a streamed answer of over 1 MB, in Chinese and English,
// goes through the capture log and the indexer, whose store keeps its text once (in
// the response body, migration 0021), and every reader sees it whole and unchanged:
// the conversation view, export, an edit's comparison with the captured text, the
// same after reindex; search finds a word of its first 64K characters.
func TestLongAnswerRoundTrip(t *testing.T) {
	var b strings.Builder
	b.WriteString("成都美食 zanzibarite opening, ")
	for i := 0; b.Len() < 1200<<10; i++ {
		fmt.Fprintf(&b, "段落%d：一个很长的\"回答\"，English words 与 emoji 🦊.\n", i)
	}
	text := b.String()
	var sse strings.Builder
	event := func(delta map[string]any, finish any) {
		e, err := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sse, "data: %s\n\n", e)
	}
	event(map[string]any{"role": "assistant", "content": ""}, nil)
	for r := []rune(text); len(r) > 0; r = r[min(len(r), 3000):] {
		event(map[string]any{"content": string(r[:min(len(r), 3000)])}, nil)
	}
	event(map[string]any{}, "stop")
	sse.WriteString("data: [DONE]\n\n")
	ex := bigExchange(bigChat(t, nil, "write a long answer"))
	ex.RespHeader = http.Header{"Content-Type": {"text/event-stream"}}
	ex.RespBody, ex.Stream = []byte(sse.String()), true
	dir := t.TempDir()
	db, _ := indexOne(t, dir, ex)
	// How the row keeps it, read by a connection of the test's own.
	storedOnce := func(stage string) {
		t.Helper()
		raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "llmtap.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var parts, chars int
		if err := raw.QueryRowContext(t.Context(), `SELECT content_parts, length(content) FROM messages WHERE is_answer`).Scan(&parts, &chars); err != nil {
			t.Fatal(err)
		}
		if parts != -1 || chars != 65536 {
			t.Errorf("%s: the answer's row has content_parts %d and %d characters, want -1 (stored once) and the 65,536 search reads", stage, parts, chars)
		}
	}
	storedOnce("captured")

	whole := func(stage string) int64 {
		t.Helper()
		list, _, err := db.ListConversations(t.Context(), store.ListOptions{})
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: conversations: %+v, %v", stage, list, err)
		}
		id := list[0].ID
		readWhole(t, db, stage, id, 1, text)
		return id
	}
	id := whole("captured")
	found, _, err := db.ListConversations(t.Context(), store.ListOptions{Query: "zanzibarite"})
	if err != nil || len(found) != 1 || !strings.Contains(found[0].Snippet, "<mark>") {
		t.Errorf("search: %+v, %v; want the conversation with a marked snippet", found, err)
	}
	// Sent unchanged, an edit is no edit: the store compares it with the whole text.
	conv, err := db.Conversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EditMessage(t.Context(), conv.Messages[1].ID, text); err != nil {
		t.Fatal(err)
	}
	if conv, err = db.Conversation(t.Context(), id); err != nil || conv.Messages[1].Original != nil {
		t.Errorf("the answer sent back unchanged counts as an edit (%v)", err)
	}
	if _, err := Reindex(t.Context(), db, 0, nil); err != nil {
		t.Fatal(err)
	}
	whole("reindexed")
	storedOnce("reindexed")
}
