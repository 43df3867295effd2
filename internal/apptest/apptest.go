// Package apptest is the harness of the tests that run llmtap whole: a fake OpenAI
// upstream, an app listening on loopback with its API served, chats sent through
// its proxy and API calls. app's own tests and app/export's use it; it imports no
// llmtap package (app's in-package tests could not import one that imports app),
// so it takes the app as the small App interface.
package apptest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// Key is the API key the fake upstream wants and the chats send.
const Key = "sk-test-APPSECRET987654"

// Chat is what a fake upstream reads of a chat request (OpenAI or Anthropic):
// its model, whether it asks for a stream, and how many user turns it holds.
type Chat struct {
	Model  string
	Stream bool
	Users  int
}

// ReadChat reads a chat request's body.
func ReadChat(body io.Reader) (Chat, error) {
	var req struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role string `json:"role"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		return Chat{}, err
	}
	c := Chat{Model: req.Model, Stream: req.Stream}
	for _, m := range req.Messages {
		if m.Role == "user" {
			c.Users++
		}
	}
	return c, nil
}

// FakeOpenAI answers chat completions the way the OpenAI API does: the answer is
// "answer N" for the Nth user message, streamed when asked. It is closed when t ends.
func FakeOpenAI(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+Key {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		req, err := ReadChat(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer := fmt.Sprintf("answer %d", req.Users)
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-test",`+
				`"choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],`+
				`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`, answer)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, part := range []string{`{"role":"assistant","content":""}`, fmt.Sprintf(`{"content":%q}`, answer)} {
			fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":null}]}\n\n", part)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// App is what Start needs of an opened app (*app.App).
type App interface {
	ListenProxy() error
	ProxyAddr() string
	APIHandler() http.Handler
	WaitIndexed(ctx context.Context, n int64) error
	Shutdown(ctx context.Context) error
}

// Client drives a started app: chats through its proxy, calls to its API.
type Client struct {
	ProxyURL string           // http://127.0.0.1:PORT
	API      *httptest.Server // the app's API handler; nil when not served
	// Indexed waits until the app has indexed n captures (App.WaitIndexed).
	Indexed func(ctx context.Context, n int64) error
}

// Start makes a listen on its proxy address and serves its API on loopback; both
// stop, and a shuts down, when t ends.
func Start(t testing.TB, a App) *Client {
	t.Helper()
	if err := a.ListenProxy(); err != nil {
		t.Fatalf("ListenProxy: %v", err)
	}
	api := httptest.NewServer(a.APIHandler())
	t.Cleanup(func() {
		api.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &Client{ProxyURL: "http://" + a.ProxyAddr(), API: api, Indexed: a.WaitIndexed}
}

// Chat sends one chat completion through the proxy (messages alternate user and
// assistant, starting with user) and returns the answer text.
func (c *Client) Chat(t testing.TB, stream bool, msgs ...string) string {
	t.Helper()
	var m []map[string]string
	for i, s := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		m = append(m, map[string]string{"role": role, "content": s})
	}
	body, _ := json.Marshal(map[string]any{"model": "gpt-test", "messages": m, "stream": stream})
	b := c.SendRaw(t, string(body))
	if i := strings.Index(string(b), "answer "); i >= 0 {
		return string(b[i : i+len("answer 1")])
	}
	return string(b)
}

// SendRaw sends one chat completion body through the proxy and returns the answer's
// body; anything but a 200 fails t.
func (c *Client) SendRaw(t testing.TB, body string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", c.ProxyURL+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("chat through proxy: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("chat through proxy: %d %s", resp.StatusCode, b)
	}
	return b
}

// GetJSON gets path from the API, decodes the answer into dst (unless nil) and
// returns the status.
func (c *Client) GetJSON(t testing.TB, path string, dst any) int {
	t.Helper()
	resp, err := http.Get(c.API.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if dst != nil {
		if err := json.NewDecoder(resp.Body).Decode(dst); err != nil {
			t.Fatalf("GET %s: decode: %v", path, err)
		}
	}
	return resp.StatusCode
}

// Send makes one API request and returns the status and body.
func (c *Client) Send(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, c.API.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Wait waits until the app has indexed n captures since it opened (20 s at most).
func (c *Client) Wait(t testing.TB, n int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := c.Indexed(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// IDs maps the text of every message on the chosen paths, and each conversation's
// title prefixed with "#", to its id.
func (c *Client) IDs(t testing.TB) map[string]int64 {
	t.Helper()
	var page struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	if code := c.GetJSON(t, "/api/conversations?limit=500", &page); code != 200 {
		t.Fatalf("GET /api/conversations = %d", code)
	}
	out := map[string]int64{}
	for _, s := range page.Items {
		out["#"+s.Title] = s.ID
		var d struct {
			Messages []struct {
				ID      int64  `json:"id"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		c.GetJSON(t, fmt.Sprintf("/api/conversations/%d", s.ID), &d)
		for _, m := range d.Messages {
			out[m.Content] = m.ID
		}
	}
	return out
}

// ExportFixture captures seven one-round chats ("chat 0" … "chat 6") through c,
// edits the answer of the first, marks the answer of the last "don't train", so it
// cannot be exported, and confirms "chat 3".
func ExportFixture(t testing.TB, c *Client) {
	t.Helper()
	for i := range 7 {
		c.Chat(t, false, fmt.Sprintf("chat %d", i))
	}
	c.Wait(t, 7)
	ids := c.IDs(t)
	answer := func(title string) int64 {
		var d struct {
			Messages []struct {
				ID int64 `json:"id"`
			} `json:"messages"`
		}
		c.GetJSON(t, fmt.Sprintf("/api/conversations/%d", ids["#"+title]), &d)
		return d.Messages[1].ID
	}
	for _, e := range []struct{ method, path, body string }{
		{"PUT", fmt.Sprintf("/api/messages/%d", answer("chat 0")), `{"content":"an edited answer"}`},
		{"PUT", fmt.Sprintf("/api/messages/%d/train", answer("chat 6")), `{"train":false}`},
		{"PUT", fmt.Sprintf("/api/conversations/%d/status", ids["#chat 3"]), `{"status":"confirmed"}`},
	} {
		if code, body := c.Send(t, e.method, e.path, e.body); code != 204 && code != 200 {
			t.Fatalf("%s %s = %d %s", e.method, e.path, code, body)
		}
	}
}

// ReadLines reads a JSON Lines file into one map a line.
func ReadLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}
