package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// chatExchange is a complete OpenAI chat exchange: history msgs (role, content
// pairs) answered by answer.
func chatExchange(t testing.TB, at time.Time, status int, answer string, msgs ...string) *proxy.Exchange {
	t.Helper()
	var hist []map[string]string
	for i := 0; i+1 < len(msgs); i += 2 {
		hist = append(hist, map[string]string{"role": msgs[i], "content": msgs[i+1]})
	}
	req, err := json.Marshal(map[string]any{"model": "gpt-test", "messages": hist})
	if err != nil {
		t.Fatal(err)
	}
	resp := fmt.Sprintf(`{"id":"c1","object":"chat.completion","model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}]}`, answer)
	return &proxy.Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Route: "target", Host: "up",
		Path: "/v1/chat/completions", Status: status, ReqHeader: http.Header{"Session_id": {"sess-1"}},
		ReqBody: req, RespHeader: http.Header{"Content-Type": {"application/json"}}, RespBody: []byte(resp),
		Start: at, End: at}
}

func conversationsOf(t *testing.T, db *store.DB) []string {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), store.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range items {
		d, err := db.Conversation(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		line := string(s.Status) + ":"
		for _, m := range d.Messages {
			line += " " + string(m.Role[0]) + "=" + m.Content
		}
		out = append(out, line)
	}
	return out
}

func TestReindexMatchesCapture(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	exs := []*proxy.Exchange{
		chatExchange(t, at, 200, "hello", "system", "be nice", "user", "hi"),
		chatExchange(t, at.Add(time.Second), 500, "boom", "system", "be nice", "user", "hi", "assistant", "hello", "user", "x"),
		chatExchange(t, at.Add(2*time.Second), 200, "fine", "system", "be nicer", "user", "hi", "assistant", "hello", "user", "how are you"),
		chatExchange(t, at.Add(3*time.Second), 200, "other", "user", "unrelated"),
	}
	caps := make([]store.Capture, len(exs))
	for i, ex := range exs {
		caps[i] = toCapture(ex)
	}
	if caps[0].Round == nil || caps[0].Round.SessionID != "sess-1" {
		t.Fatalf("toCapture round = %+v, want a round with the session from the session_id header", caps[0].Round)
	}
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStatus(t.Context(), 1, "confirmed"); err != nil {
		t.Fatal(err)
	}
	want := conversationsOf(t, db)
	if len(want) != 2 {
		t.Fatalf("after capture %q, want 2 conversations", want)
	}
	for run := range 2 {
		var calls int
		st, err := Reindex(t.Context(), db, 2, func(done, total int) { calls++ })
		if err != nil {
			t.Fatalf("Reindex: %v", err)
		}
		if diff := cmp.Diff(want, conversationsOf(t, db)); diff != "" {
			t.Errorf("run %d: conversations (-capture +reindex):\n%s", run, diff)
		}
		if st.Exchanges != 4 || st.Threaded != 3 || st.ParseErrors["upstream answered 500"] != 1 || calls != 2 {
			t.Errorf("run %d: stats %+v after %d progress calls; want 4 exchanges, 3 rounds, 1 upstream 500, 2 batches", run, st, calls)
		}
	}
}

func TestSessionFromHeaders(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want string
	}{
		{"none", http.Header{"Content-Type": {"application/json"}}, ""},
		{"x_session_id", http.Header{"X-Session-Id": {"abc"}}, "abc"},
		{"underscore_key_any_case", http.Header{"SESSION_ID": {" s1 "}}, "s1"},
		{"claude_code", http.Header{"X-Claude-Code-Session-Id": {"cc-9"}}, "cc-9"},
		{"empty_value", http.Header{"X-Session-Id": {""}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionFromHeaders(tt.h); got != tt.want {
				t.Errorf("sessionFromHeaders(%v) = %q, want %q", tt.h, got, tt.want)
			}
		})
	}
}
