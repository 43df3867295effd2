package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/llmtap/llmtap/store"
)

// fakeRealtime is a WebSocket upstream speaking enough of the OpenAI Realtime API for
// a text session: it takes the session's instructions and the user's items, and
// answers each response.create with "answer N" (N counting the user's items),
// streamed as text deltas and closed by response.done. Compression is on, as it is
// with the official SDKs.
func fakeRealtime(t *testing.T) *httptest.Server {
	t.Helper()
	upgrader := websocket.Upgrader{EnableCompression: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey || r.URL.Path != "/v1/realtime" {
			http.Error(w, `{"error":{"message":"bad handshake"}}`, http.StatusUnauthorized)
			return
		}
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		n, last := 0, ""
		send := func(format string, args ...any) bool {
			return c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, format, args...)) == nil
		}
		if !send(`{"type":"session.created","event_id":"e0","session":{"id":"sess_1","model":"gpt-realtime","instructions":"Default boilerplate."}}`) {
			return
		}
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			var ev struct {
				Type    string          `json:"type"`
				Session json.RawMessage `json:"session"`
				Item    json.RawMessage `json:"item"`
			}
			if json.Unmarshal(msg, &ev) != nil {
				return
			}
			ok := true
			switch ev.Type {
			case "session.update":
				ok = send(`{"type":"session.updated","event_id":"e1","session":%s}`, ev.Session)
			case "conversation.item.create":
				n++
				id := fmt.Sprintf("item_u%d", n)
				ok = send(`{"type":"conversation.item.created","event_id":"e2","previous_item_id":%q,"item":%s}`,
					last, strings.Replace(string(ev.Item), `{`, `{"id":"`+id+`",`, 1))
				last = id
			case "response.create":
				id, answer := fmt.Sprintf("item_a%d", n), fmt.Sprintf("answer %d", n)
				item := fmt.Sprintf(`{"id":%q,"object":"realtime.item","type":"message","status":"completed","role":"assistant","content":[{"type":"text","text":%q}]}`, id, answer)
				ok = send(`{"type":"response.created","event_id":"e3","response":{"id":"resp_%d","status":"in_progress","output":[]}}`, n) &&
					send(`{"type":"conversation.item.created","event_id":"e4","previous_item_id":%q,"item":{"id":%q,"object":"realtime.item","type":"message","status":"in_progress","role":"assistant","content":[]}}`, last, id) &&
					send(`{"type":"response.text.delta","event_id":"e5","response_id":"resp_%d","item_id":%q,"output_index":0,"content_index":0,"delta":"answer "}`, n, id) &&
					send(`{"type":"response.text.delta","event_id":"e6","response_id":"resp_%d","item_id":%q,"output_index":0,"content_index":0,"delta":"%d"}`, n, id, n) &&
					send(`{"type":"response.output_item.done","event_id":"e7","response_id":"resp_%d","output_index":0,"item":%s}`, n, item) &&
					send(`{"type":"response.done","event_id":"e8","response":{"id":"resp_%d","status":"completed","output":[%s],"usage":{"total_tokens":7,"input_tokens":5,"output_tokens":2}}}`, n, item)
				last = id
			}
			if !ok {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRealtimeSessionBecomesConversation: a Realtime API session through the proxy,
// compressed, with two turns, becomes one conversation: the instructions the client
// set, both user turns and both answers.
func TestRealtimeSessionBecomesConversation(t *testing.T) {
	up := fakeRealtime(t)
	ta := startApp(t, up.URL)
	dialer := websocket.Dialer{EnableCompression: true}
	c, _, err := dialer.DialContext(t.Context(), "ws"+strings.TrimPrefix(ta.proxyURL, "http")+"/v1/realtime?model=gpt-realtime",
		http.Header{"Authorization": {"Bearer " + testKey}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(ev string) {
		t.Helper()
		if err := c.WriteMessage(websocket.TextMessage, []byte(ev)); err != nil {
			t.Fatal(err)
		}
	}
	// waitFor reads server events up to the first of type typ.
	waitFor := func(typ string) {
		t.Helper()
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for %s: %v", typ, err)
			}
			if strings.Contains(string(msg), `"type":"`+typ+`"`) {
				return
			}
		}
	}
	waitFor("session.created")
	send(`{"type":"session.update","session":{"modalities":["text"],"instructions":"Be brief."}}`)
	waitFor("session.updated")
	for _, text := range []string{"hello", "and then?"} {
		send(`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"` + text + `"}]}}`)
		send(`{"type":"response.create"}`)
		waitFor("response.done")
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	c.Close()
	ta.wait(t, 1)

	var page ConversationPage
	if code := ta.getJSON(t, "/api/conversations", &page); code != 200 || page.Total != 1 {
		t.Fatalf("GET /api/conversations = %d, %d conversations; want 1: %+v", code, page.Total, page.Items)
	}
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", page.Items[0].ID), &d)
	want := "system:Be brief. user:hello assistant:answer 1 user:and then? assistant:answer 2"
	if got := transcript(d.Messages); got != want {
		t.Errorf("conversation = %q, want %q", got, want)
	}
	if page.Items[0].Model != "gpt-realtime" {
		t.Errorf("model = %q, want gpt-realtime", page.Items[0].Model)
	}
}
