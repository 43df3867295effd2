package export_test

// The harness of the export tests: a real app (proxy, capture log, indexer, API)
// over a fake OpenAI upstream, and the threading cases stored as capture stores
// them. The export tests are an external package because the export is wired into
// app, which they start; the app's own tests keep their copies of these helpers
// (an in-package test cannot import a package that imports its own).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/internal/threadcase"
	"github.com/llmtap/llmtap/store"
)

const testKey = "sk-test-APPSECRET987654"

// threadingDir holds the threading cases (internal/threadcase).
const threadingDir = "../../dataset/testdata/threading"

// fakeOpenAI answers chat completions the way the OpenAI API does: the answer is
// "answer N" for the Nth user message, streamed when asked.
func fakeOpenAI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Stream   bool `json:"stream"`
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		users := 0
		for _, m := range req.Messages {
			if m.Role == "user" {
				users++
			}
		}
		answer := fmt.Sprintf("answer %d", users)
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

type testApp struct {
	*app.App
	proxyURL string
	api      *httptest.Server
}

func startApp(t *testing.T, target string) *testApp {
	return startAppConfig(t, app.Config{Target: target})
}

// startAppConfig starts an app with cfg on a free port in a new data folder.
func startAppConfig(t *testing.T, cfg app.Config) *testApp {
	t.Helper()
	cfg.ProxyAddr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	a, err := app.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
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
	return &testApp{App: a, proxyURL: "http://" + a.ProxyAddr(), api: api}
}

// chat sends one chat completion through the proxy and returns the answer text.
func (ta *testApp) chat(t *testing.T, stream bool, msgs ...string) string {
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
	b := ta.sendRaw(t, string(body))
	if strings.Contains(string(b), "answer") {
		i := strings.Index(string(b), "answer ")
		return string(b[i : i+len("answer 1")])
	}
	return string(b)
}

// sendRaw sends one chat completion body through the proxy and returns the answer's body.
func (ta *testApp) sendRaw(t *testing.T, body string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
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

func (ta *testApp) getJSON(t *testing.T, path string, dst any) int {
	t.Helper()
	resp, err := http.Get(ta.api.URL + path)
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

// send makes one API request and returns the status and body.
func (ta *testApp) send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ta.api.URL+path, strings.NewReader(body))
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

// wait waits until the indexer has stored n captures.
func (ta *testApp) wait(t *testing.T, n int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := ta.WaitIndexed(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// ids maps the text of every message on the chosen paths, and each conversation's
// title prefixed with "#", to its id.
func (ta *testApp) ids(t *testing.T) map[string]int64 {
	t.Helper()
	var page app.ConversationPage
	if code := ta.getJSON(t, "/api/conversations?limit=500", &page); code != 200 {
		t.Fatalf("GET /api/conversations = %d", code)
	}
	out := map[string]int64{}
	for _, s := range page.Items {
		out["#"+s.Title] = s.ID
		var d store.Detail
		ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", s.ID), &d)
		for _, m := range d.Messages {
			out[m.Content] = m.ID
		}
	}
	return out
}

// exportFixture captures seven one-round chats, edits the answer of the first and
// marks the answer of the last "don't train", so it cannot be exported.
func exportFixture(t *testing.T) *testApp {
	t.Helper()
	ta := startApp(t, fakeOpenAI(t).URL)
	for i := range 7 {
		ta.chat(t, false, fmt.Sprintf("chat %d", i))
	}
	ta.wait(t, 7)
	ids := ta.ids(t)
	answer := func(title string) int64 {
		var d store.Detail
		ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", ids["#"+title]), &d)
		return d.Messages[1].ID
	}
	for _, c := range []struct{ method, path, body string }{
		{"PUT", fmt.Sprintf("/api/messages/%d", answer("chat 0")), `{"content":"an edited answer"}`},
		{"PUT", fmt.Sprintf("/api/messages/%d/train", answer("chat 6")), `{"train":false}`},
		{"PUT", fmt.Sprintf("/api/conversations/%d/status", ids["#chat 3"]), `{"status":"confirmed"}`},
	} {
		if code, body := ta.send(t, c.method, c.path, c.body); code != 204 && code != 200 {
			t.Fatalf("%s %s = %d %s", c.method, c.path, code, body)
		}
	}
	return ta
}

// readLines reads a JSON Lines file.
func readLines(t *testing.T, path string) []map[string]any {
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

// readCase reads the exchanges of threading case name.
func readCase(t *testing.T, name string) []threadcase.Exchange {
	t.Helper()
	exs, err := threadcase.Read(filepath.Join(threadingDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// storeCase writes the exchanges of threading case name into a new store, as
// capture does (app.Convert).
func storeCase(t *testing.T, name string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, ex := range readCase(t, name) {
		if err := db.Write(t.Context(), []store.Capture{app.Convert(ex.Ex)}); err != nil {
			t.Fatalf("Write exchange %s: %v", ex.Name, err)
		}
	}
	return db
}

// replayPreferenceTraffic replays the preference_traffic case through the real
// proxy, capture log and indexer of a new app, and returns it with the ID of the
// one conversation the traffic makes.
func replayPreferenceTraffic(t *testing.T) (*testApp, int64) {
	t.Helper()
	exs := readCase(t, "preference_traffic")
	var next atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(next.Add(1)) - 1
		if i >= len(exs) {
			http.Error(w, "no more exchanges", http.StatusGone)
			return
		}
		for k, v := range exs[i].Ex.RespHeader {
			w.Header()[k] = v
		}
		w.WriteHeader(exs[i].Ex.Status)
		w.Write(exs[i].Ex.RespBody)
	}))
	t.Cleanup(up.Close)
	ta := startApp(t, up.URL)
	for _, ex := range exs {
		req, err := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+ex.Ex.Path, bytes.NewReader(ex.Ex.ReqBody))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = ex.Ex.ReqHeader.Clone()
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("exchange %s through the proxy: %v", ex.Name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("exchange %s through the proxy: status %d", ex.Name, resp.StatusCode)
		}
	}
	ta.wait(t, int64(len(exs)))
	ids, err := ta.DB().ExportIDs(t.Context(), store.ExportFilter{})
	if err != nil || len(ids) != 1 {
		t.Fatalf("ExportIDs = %v, %v; want one conversation", ids, err)
	}
	return ta, ids[0]
}
