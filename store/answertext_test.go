package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// longText is a text of at least n bytes in Chinese and English, with line breaks,
// quotes and a 4-byte character (escapes in JSON), a word only its start holds
// ("zanzibarite") and one only its end ("quixoticend").
func longText(n int) string {
	var b strings.Builder
	b.WriteString("成都美食 zanzibarite opening, ")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "段落%d：一个很长的\"回答\"，English words 与 emoji 🦊.\n", i)
	}
	b.WriteString(" quixoticend 结尾")
	return b.String()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openaiSSE is an OpenAI chat stream of text in events of about chunk bytes.
func openaiSSE(t testing.TB, text string, chunk int) []byte {
	var b strings.Builder
	event := func(delta map[string]any, finish any) {
		b.WriteString("data: ")
		b.Write(mustJSON(t, map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}))
		b.WriteString("\n\n")
	}
	event(map[string]any{"role": "assistant", "content": ""}, nil)
	for r := []rune(text); len(r) > 0; {
		n := min(chunk, len(r))
		event(map[string]any{"content": string(r[:n])}, nil)
		r = r[n:]
	}
	event(map[string]any{}, "stop")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

// anthropicSSE is an Anthropic Messages stream of text.
func anthropicSSE(t testing.TB, text string, chunk int) []byte {
	var b strings.Builder
	event := func(typ string, v map[string]any) {
		v["type"] = typ
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", typ, mustJSON(t, v))
	}
	event("message_start", map[string]any{"message": map[string]any{"id": "msg_1", "type": "message", "role": "assistant",
		"model": "claude-x", "content": []any{}, "usage": map[string]int{"input_tokens": 3, "output_tokens": 1}}})
	event("content_block_start", map[string]any{"index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	for r := []rune(text); len(r) > 0; {
		n := min(chunk, len(r))
		event("content_block_delta", map[string]any{"index": 0, "delta": map[string]any{"type": "text_delta", "text": string(r[:n])}})
		r = r[n:]
	}
	event("content_block_stop", map[string]any{"index": 0})
	event("message_delta", map[string]any{"delta": map[string]any{"stop_reason": "end_turn"}, "usage": map[string]int{"output_tokens": 9}})
	event("message_stop", map[string]any{})
	return []byte(b.String())
}

// parsedCapture is the capture of one exchange of dialect d whose round is parsed
// from its bodies, as app's convert makes it.
func parsedCapture(t testing.TB, d dataset.Dialect, req, resp []byte, at time.Time) Capture {
	t.Helper()
	r, err := dataset.Parse(d, req, resp)
	if err != nil {
		t.Fatal(err)
	}
	path := map[dataset.Dialect]string{dataset.OpenAIChat: "/v1/chat/completions", dataset.Anthropic: "/v1/messages",
		dataset.Gemini: "/v1beta/models/gemini-x:generateContent"}[d]
	return Capture{Exchange: Exchange{Method: "POST", URL: "http://up" + path, Route: "target", Host: "up", Path: path,
		Status: 200, Start: at, End: at, ReqBody: req, RespBody: resp, Dialect: d, Stream: r.Stream},
		Round: r, ParsedFromBodies: true}
}

// chatRequest is an OpenAI chat request of alternating user and assistant turns.
func chatRequest(t testing.TB, turns ...string) []byte {
	var msgs []map[string]string
	for i, c := range turns {
		msgs = append(msgs, map[string]string{"role": []string{"user", "assistant"}[i%2], "content": c})
	}
	return mustJSON(t, map[string]any{"model": "m", "stream": true, "messages": msgs})
}

// storedAnswer is how the store kept the answer of the last capture written.
type storedAnswer struct {
	parts, headChars, headBytes int
}

func lastAnswerRow(t *testing.T, db *DB) storedAnswer {
	t.Helper()
	var s storedAnswer
	if err := db.sql.QueryRowContext(t.Context(), `SELECT content_parts, length(content), octet_length(content)
		FROM messages WHERE is_answer ORDER BY id DESC LIMIT 1`).Scan(&s.parts, &s.headChars, &s.headBytes); err != nil {
		t.Fatal(err)
	}
	return s
}

// readBack checks every reader of a message's whole text against want: the
// conversation view and exports (Go), and fullContent (SQL), for the last message
// of the only conversation's path.
func readBack(t *testing.T, db *DB, want string) {
	t.Helper()
	list, _, err := db.ListConversations(t.Context(), ListOptions{})
	if err != nil || len(list) != 1 {
		t.Fatalf("conversations: %d, %v; want 1", len(list), err)
	}
	conv, err := db.Conversation(t.Context(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	i := len(conv.Messages) - 1
	if got := conv.Messages[i].Content; got != want {
		t.Errorf("conversation view: message %d has %d bytes, want the %d-byte answer", i, len(got), len(want))
	}
	convs, err := db.ExportBatch(t.Context(), []int64{list[0].ID}, false, nil)
	if err != nil || len(convs) != 1 {
		t.Fatalf("export: %d conversations, %v", len(convs), err)
	}
	if got := convs[0].Messages[i].Content; got != want {
		t.Errorf("export: message %d has %d bytes, want the %d-byte answer", i, len(got), len(want))
	}
	var sqlText string
	if err := db.sql.QueryRowContext(t.Context(), `SELECT `+fullContent("m")+` FROM messages m WHERE m.id = ?`,
		conv.Messages[i].ID).Scan(&sqlText); err != nil {
		t.Fatal(err)
	}
	if sqlText != want {
		t.Errorf("fullContent: %d bytes, want the %d-byte answer", len(sqlText), len(want))
	}
}

// TestAnswerStoredOnce: a long answer whose response gives it as parsed is stored
// once (its row keeps the 65,536 characters search reads), and read back whole;
// any other answer is stored whole.
func TestAnswerStoredOnce(t *testing.T) {
	long := longText(600 << 10)
	short := longText(answerTextFrom - 1000)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	anthropicReq := mustJSON(t, map[string]any{"model": "claude-x", "max_tokens": 9, "stream": true,
		"messages": []any{map[string]any{"role": "user", "content": "write"}}})
	geminiResp := mustJSON(t, map[string]any{"candidates": []any{map[string]any{"content": map[string]any{"role": "model",
		"parts": []any{map[string]any{"text": long}}}, "finishReason": "STOP"}}})
	geminiReq := mustJSON(t, map[string]any{"contents": []any{map[string]any{"role": "user", "parts": []any{map[string]any{"text": "write"}}}}})
	tests := []struct {
		name string
		cap  Capture
		want string
		once bool
	}{
		{"openai_stream", parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), openaiSSE(t, long, 700), at), long, true},
		{"openai_object", parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), mustJSON(t, map[string]any{"model": "m",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": long}, "finish_reason": "stop"}}}), at), long, true},
		{"anthropic_stream", parsedCapture(t, dataset.Anthropic, anthropicReq, anthropicSSE(t, long, 500), at), long, true},
		{"short", parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), openaiSSE(t, short, 700), at), short, false},
		{"gemini", parsedCapture(t, dataset.Gemini, geminiReq, geminiResp, at), long, false},
		{"round_not_from_bodies", func() Capture {
			c := parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), openaiSSE(t, long, 700), at)
			c.ParsedFromBodies = false
			return c
		}(), long, false},
		// A SillyTavern group chat: the answer's "Name:" is cut, so the text stored is
		// not the one its response holds.
		{"group_chat_named", parsedCapture(t, dataset.OpenAIChat, mustJSON(t, map[string]any{"model": "m", "stream": true,
			"messages": []any{map[string]any{"role": "system", "content": "Bob is a bard; Alice a knight."},
				map[string]any{"role": "system", "content": "[Start a new group chat. Group members: Alice, Bob]"},
				map[string]any{"role": "user", "content": "Alice: hi"},
				map[string]any{"role": "system", "content": "[Write the next reply only as Bob.]"}}}),
			openaiSSE(t, "Bob: "+long, 700), at), long, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			if err := db.Write(t.Context(), []Capture{tt.cap}); err != nil {
				t.Fatal(err)
			}
			row := lastAnswerRow(t, db)
			switch {
			case tt.once && (row.parts != -1 || row.headChars != indexedChars):
				t.Errorf("stored %d parts and a head of %d characters, want -1 (once) and %d", row.parts, row.headChars, indexedChars)
			case !tt.once && (row.parts != 0 || row.headBytes != len(tt.want)):
				t.Errorf("stored %d parts and %d bytes, want the %d-byte answer whole", row.parts, row.headBytes, len(tt.want))
			}
			readBack(t, db, tt.want)
		})
	}
}

// TestAnswerStoredOnceThreads: a long answer stored once threads as one stored
// whole: the next round resends it and extends the conversation; a client's edit of
// it is told from the stored text (threading reads it back in SQL); search finds a
// word of its first 65,536 characters and, as for any text, none past them; reindex
// stores it once again.
func TestAnswerStoredOnceThreads(t *testing.T) {
	db := openTest(t)
	long := longText(700 << 10)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	edited := strings.Replace(long, "opening", "openings", 1)
	caps := []Capture{
		parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), openaiSSE(t, long, 700), at),
		parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write", long, "more"), openaiSSE(t, "short two", 700), at.Add(time.Minute)),
		parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write", edited, "again"), openaiSSE(t, "short three", 700), at.Add(2*time.Minute)),
	}
	for i, c := range caps {
		if err := db.Write(t.Context(), []Capture{c}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	// The edit is the client's, a sibling of the captured answer.
	want := [][]string{{"u:write", "a*+:" + edited, "u:again", "a:short three"}}
	if got := shapes(t, db); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d conversations (%d messages in the first), want one: u, the client's edit beside the answer, u, a", len(got), len(got[0]))
	}
	for _, tt := range []struct {
		query string
		hits  int
	}{{"zanzibarite", 1}, {"成都", 1}, {"quixoticend", 0}} {
		found, _, err := db.ListConversations(t.Context(), ListOptions{Query: tt.query})
		if err != nil || len(found) != tt.hits {
			t.Errorf("search %q: %d conversations (%v), want %d", tt.query, len(found), err, tt.hits)
		}
	}
	checkOnce := func(stage string) {
		t.Helper()
		var once int
		var text string
		if err := db.sql.QueryRowContext(t.Context(), `SELECT COUNT(*), `+fullContent("m")+` FROM messages m
			WHERE m.content_parts = -1`).Scan(&once, &text); err != nil {
			t.Fatal(err)
		}
		if once != 1 || text != long {
			t.Errorf("%s: %d answers stored once, reading back %d bytes; want the captured %d-byte answer", stage, once, len(text), len(long))
		}
	}
	checkOnce("captured")
	decideParsed := func(e *Exchange) (dataset.Dialect, *dataset.Round, string) {
		r, err := dataset.Parse(e.Dialect, e.ReqBody, e.RespBody)
		if err != nil {
			return e.Dialect, nil, err.Error()
		}
		return e.Dialect, r, ""
	}
	if _, err := db.Reindex(t.Context(), ReindexOptions{Decide: decideParsed, ParsedFromBodies: true}); err != nil {
		t.Fatal(err)
	}
	if got := shapes(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("after reindex: %d conversations (%d messages in the first), want the same one", len(got), len(got[0]))
	}
	checkOnce("reindexed")
}

// TestAnswerStoredOnceMismatch: a text that no longer reads back from its response
// as stored (here its CRC changed) is an error naming reindex, never another text.
func TestAnswerStoredOnceMismatch(t *testing.T) {
	db := openTest(t)
	long := longText(300 << 10)
	c := parsedCapture(t, dataset.OpenAIChat, chatRequest(t, "write"), openaiSSE(t, long, 700), time.Now())
	if err := db.Write(t.Context(), []Capture{c}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(t.Context(), `UPDATE messages SET content_crc = content_crc + 1 WHERE content_parts = -1`); err != nil {
		t.Fatal(err)
	}
	list, _, err := db.ListConversations(t.Context(), ListOptions{})
	if err != nil || len(list) != 1 {
		t.Fatalf("conversations: %d, %v", len(list), err)
	}
	if _, err := db.Conversation(t.Context(), list[0].ID); err == nil || !strings.Contains(err.Error(), "llmtap reindex") {
		t.Errorf("reading a text that no longer matches: %v, want an error naming llmtap reindex", err)
	}
}

// TestIndexedHead holds indexedHead to SQLite's substr: the head's first 65,536
// characters are the text's, however SQLite counts characters of invalid UTF-8.
func TestIndexedHead(t *testing.T) {
	db := openTest(t)
	tests := map[string]string{
		"ascii":              strings.Repeat("a", indexedChars+10),
		"short":              "成都美食",
		"exactly":            strings.Repeat("字", indexedChars),
		"cjk_emoji":          strings.Repeat("成🦊a", indexedChars/2),
		"stray_continuation": strings.Repeat("a\x80\xbf", indexedChars/2),
		"cut_lead":           strings.Repeat("\xe6\x88b", indexedChars),
		"lead_runs":          strings.Repeat("\xf0\x9f\xa6\x8a\x8a\x8a", indexedChars+1),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			head := indexedHead(s)
			var same bool
			var n int
			if err := db.sql.QueryRowContext(t.Context(), `SELECT substr(CAST(? AS TEXT), 1, ?) = substr(CAST(? AS TEXT), 1, ?), length(CAST(? AS TEXT))`,
				head, indexedChars, s, indexedChars, head).Scan(&same, &n); err != nil {
				t.Fatal(err)
			}
			if !same || !strings.HasPrefix(s, head) || n > indexedChars || (len(head) < len(s) && n != indexedChars) {
				t.Errorf("head of %d bytes, %d characters to SQLite (same start: %v); want the text's first %d", len(head), n, same, indexedChars)
			}
		})
	}
}
