package app

import (
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
	"sync"
	"testing"
	"time"

	"github.com/llmtap/llmtap/internal/apptest"
	"github.com/llmtap/llmtap/store"
)

// fakeAnthropic is a Messages API provider: it answers "claude N" (N counts the
// user turns) as JSON or as Anthropic's event stream, with usage, and refuses any
// key but testKey in x-api-key. It records the last request body.
func fakeAnthropic(t *testing.T, last *lastBody) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("X-Api-Key") != testKey || r.Header.Get("Authorization") != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if last != nil {
			last.set(body)
		}
		req, err := apptest.ReadChat(bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer := fmt.Sprintf("claude %d", req.Users)
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"msg_01","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":%q}],`+
				`"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":3}}`, req.Model, answer)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		events := []string{
			fmt.Sprintf(`event: message_start`+"\n"+`data: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":%q,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}`, req.Model),
			`event: content_block_start` + "\n" + `data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
			`event: content_block_delta` + "\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"claude"}}`,
			fmt.Sprintf(`event: content_block_delta`+"\n"+`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" %d"}}`, req.Users),
			`event: content_block_stop` + "\n" + `data: {"type":"content_block_stop","index":0}`,
			`event: message_delta` + "\n" + `data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}`,
			`event: message_stop` + "\n" + `data: {"type":"message_stop"}`,
		}
		for _, e := range events {
			fmt.Fprint(w, e+"\n\n")
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// lastBody is the last request body a fake provider got.
type lastBody struct {
	mu sync.Mutex
	b  []byte
}

func (l *lastBody) set(b []byte) { l.mu.Lock(); l.b = b; l.mu.Unlock() }
func (l *lastBody) get() []byte  { l.mu.Lock(); defer l.mu.Unlock(); return l.b }

// startGatewayApp opens an app whose data folder holds providers (a providers.yaml).
func startGatewayApp(t *testing.T, providers string) *testApp {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ProvidersFile), []byte(providers), 0o600); err != nil {
		t.Fatal(err)
	}
	return startAppIn(t, dir, Config{})
}

// post sends body to the proxy's path with headers and returns the answer.
func (ta *testApp) post(t *testing.T, path, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestTranslatedConversationCaptured: an OpenAI client reaches an Anthropic
// provider and an Anthropic client an OpenAI one through the real proxy, as JSON
// and as streams; each answer is in the client's dialect, while the capture holds
// what went to and came from the provider, so each conversation is threaded once,
// in the provider's dialect, with the reply text right.
func TestTranslatedConversationCaptured(t *testing.T) {
	var sent lastBody
	claude := fakeAnthropic(t, &sent)
	oa := fakeOpenAI(t)
	ta := startGatewayApp(t, fmt.Sprintf(`# the providers of this test
providers:
  - name: claude
    kind: anthropic
    base_url: %s
    keys: [%s]
    models: [claude-test]
  - name: local
    kind: openai
    base_url: %s/v1
    keys: [%s]
    models: [gpt-test]
models:
  sonnet: { use: [claude-test] }
`, claude.URL, testKey, oa.URL, testKey))

	type turn struct{ user, assistant string }
	openaiBody := func(stream bool, history []turn, next string) string {
		var msgs []map[string]string
		for _, h := range history {
			msgs = append(msgs, map[string]string{"role": "user", "content": h.user}, map[string]string{"role": "assistant", "content": h.assistant})
		}
		msgs = append(msgs, map[string]string{"role": "user", "content": next})
		b, _ := json.Marshal(map[string]any{"model": "sonnet", "stream": stream, "messages": msgs})
		return string(b)
	}
	// OpenAI client → Anthropic provider: a JSON turn, then a streamed one.
	status, h, body := ta.post(t, "/v1/chat/completions", openaiBody(false, nil, "hello"))
	if status != 200 || h.Get("X-Llmtap-Provider") != "claude" || !strings.Contains(body, `"object":"chat.completion"`) ||
		!strings.Contains(body, `"content":"claude 1"`) {
		t.Fatalf("OpenAI client → Anthropic = %d via %q: %s", status, h.Get("X-Llmtap-Provider"), body)
	}
	if !bytes.Contains(sent.get(), []byte(`"model":"claude-test"`)) {
		t.Errorf("provider got %s, want the alias resolved to claude-test", sent.get())
	}
	status, _, body = ta.post(t, "/v1/chat/completions", openaiBody(true, []turn{{"hello", "claude 1"}}, "again"))
	if status != 200 || !strings.Contains(body, "chat.completion.chunk") || !strings.Contains(body, "data: [DONE]") ||
		!strings.Contains(body, `"content":"claude"`) || !strings.Contains(body, `"content":" 2"`) {
		t.Fatalf("streamed OpenAI client → Anthropic = %d: %s", status, body)
	}
	// Anthropic client → OpenAI provider, streamed.
	status, _, body = ta.post(t, "/v1/messages",
		`{"model":"gpt-test","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"bonjour"}]}`,
		"anthropic-version", "2023-06-01")
	if status != 200 || !strings.Contains(body, "event: message_start") || !strings.Contains(body, "answer 1") ||
		!strings.Contains(body, "event: message_stop") {
		t.Fatalf("Anthropic client → OpenAI = %d: %s", status, body)
	}
	ta.wait(t, 3)

	var ex ExchangePage
	ta.getJSON(t, "/api/exchanges", &ex)
	var paths []string
	for i := len(ex.Items) - 1; i >= 0; i-- {
		paths = append(paths, ex.Items[i].Path)
	}
	if got, want := strings.Join(paths, " "), "/v1/messages /v1/messages /v1/chat/completions"; got != want {
		t.Errorf("captured paths %q, want the providers' %q", got, want)
	}
	var page ConversationPage
	ta.getJSON(t, "/api/conversations", &page)
	if page.Total != 2 {
		t.Fatalf("%d conversations, want 2 (the Anthropic-side one threaded once, and the OpenAI-side one)", page.Total)
	}
	var texts []string
	for _, c := range page.Items {
		var d store.Detail
		ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", c.ID), &d)
		var msgs []string
		for _, m := range d.Messages {
			msgs = append(msgs, string(m.Role)+":"+m.Content)
		}
		texts = append(texts, strings.Join(msgs, "|"))
	}
	joined := strings.Join(texts, " // ")
	for _, want := range []string{"user:hello|assistant:claude 1|user:again|assistant:claude 2", "user:bonjour|assistant:answer 1"} {
		if !strings.Contains(joined, want) {
			t.Errorf("conversations %q lack %q", joined, want)
		}
	}
}

// TestForwardKeysThroughProxy: once forward keys exist, a gateway request needs
// one (401 without, in the client's dialect), a model the key may not use is 403,
// a key over its requests per minute gets 429 with Retry-After; the provider
// only ever sees its own key, and each capture names the forward key's ID.
func TestForwardKeysThroughProxy(t *testing.T) {
	oa := fakeOpenAI(t)
	ta := startGatewayApp(t, fmt.Sprintf(`providers:
  - name: local
    kind: openai
    base_url: %s/v1
    keys: [%s]
    models: [gpt-test, gpt-other]
forward_keys:
  - { key: lt-team, name: team, models: ["gpt-t*"], rpm: 2 }
`, oa.URL, testKey))
	chat := `{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		name, path, body string
		headers          []string
		status           int
		want             string
	}{
		{"no_key", "/v1/chat/completions", chat, nil, 401, `"code":"invalid_forward_key"`},
		{"no_key_anthropic", "/v1/messages", `{"model":"gpt-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`,
			[]string{"x-api-key", "sk-wrong"}, 401, `"type":"error"`},
		{"allowed", "/v1/chat/completions", chat, []string{"Authorization", "Bearer lt-team"}, 200, "answer 1"},
		{"model_not_allowed", "/v1/chat/completions", strings.Replace(chat, "gpt-test", "gpt-other", 1),
			[]string{"Authorization", "Bearer lt-team"}, 403, "may not use"},
		{"second_allowed", "/v1/chat/completions", chat, []string{"Authorization", "Bearer lt-team"}, 200, "answer 1"},
		{"over_rpm", "/v1/chat/completions", chat, []string{"Authorization", "Bearer lt-team"}, 429, "requests per minute"},
	}
	for _, tt := range tests {
		status, h, body := ta.post(t, tt.path, tt.body, tt.headers...)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, body, tt.status, tt.want)
		}
		if status == 429 && h.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", tt.name)
		}
		if h.Get("X-Llmtap-Forward-Key-Id") != "" {
			t.Errorf("%s: the reply names the forward key to the client", tt.name)
		}
	}
	if r, err := http.Get(ta.proxyURL + "/v1/models"); err != nil || r.StatusCode != 401 {
		t.Errorf("GET /v1/models without a key = %v %v, want 401", r.StatusCode, err)
	}
	ta.wait(t, 6)
	var ex ExchangePage
	ta.getJSON(t, "/api/exchanges", &ex)
	keysSeen := map[string]int{}
	for _, e := range ex.Items {
		keysSeen[e.ForwardKey]++
	}
	if keysSeen["team"] != 4 || keysSeen[""] != 2 {
		t.Errorf("exchanges by forward key %v, want team:4 (2 answers, 403, 429) and none:2", keysSeen)
	}
}

// TestForwardKeyAPI issues a key through POST /api/forward-keys: it is appended to
// providers.yaml with the file's comments kept, works at once, is listed without
// its secret, and DELETE takes it away.
func TestForwardKeyAPI(t *testing.T) {
	oa := fakeOpenAI(t)
	ta := startGatewayApp(t, fmt.Sprintf("# my providers\nproviders:\n  - name: local # the box under the desk\n    kind: openai\n"+
		"    base_url: %s/v1\n    keys: [%s]\n    models: [gpt-test]\n", oa.URL, testKey))
	chat := `{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`
	if status, _, _ := ta.post(t, "/v1/chat/completions", chat); status != 200 {
		t.Fatalf("without forward keys: %d, want 200", status)
	}
	resp, err := http.Post(ta.api.URL+"/api/forward-keys", "application/json",
		strings.NewReader(`{"name":"ci","models":["gpt-*"],"rpm":60,"tpm":1000,"tpd":0,"expires":"2099-01-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	var issued struct{ Key, ID string }
	_ = json.NewDecoder(resp.Body).Decode(&issued)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.HasPrefix(issued.Key, "lt-") || issued.ID != "ci" {
		t.Fatalf("POST /api/forward-keys = %d %+v", resp.StatusCode, issued)
	}
	file, _ := os.ReadFile(filepath.Join(ta.DataDir(), ProvidersFile))
	for _, want := range []string{"# my providers", "# the box under the desk", issued.Key, "name: ci", "2099-01-01"} {
		if !strings.Contains(string(file), want) {
			t.Errorf("providers.yaml lacks %q:\n%s", want, file)
		}
	}
	if status, _, _ := ta.post(t, "/v1/chat/completions", chat); status != 401 {
		t.Errorf("without a key once one exists: %d, want 401", status)
	}
	if status, _, body := ta.post(t, "/v1/chat/completions", chat, "Authorization", "Bearer "+issued.Key); status != 200 {
		t.Errorf("with the issued key: %d %s", status, body)
	}
	r, _ := http.Get(ta.api.URL + "/api/forward-keys")
	list, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(list), `"id":"ci"`) || !strings.Contains(string(list), `"requestsMinute":1`) ||
		strings.Contains(string(list), issued.Key) {
		t.Errorf("GET /api/forward-keys = %s, want ci with one request and no secret", list)
	}
	resp, err = http.Post(ta.api.URL+"/api/forward-keys", "application/json", strings.NewReader(`{"name":"ci"}`))
	if err != nil || resp.StatusCode != 400 {
		t.Errorf("a second key named ci = %v %v, want 400", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodDelete, ta.api.URL+"/api/forward-keys/ci", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("DELETE = %v %v", resp.StatusCode, err)
	}
	if status, _, _ := ta.post(t, "/v1/chat/completions", chat); status != 200 {
		t.Errorf("after the last key went: %d, want 200", status)
	}
}

// TestGatewayExposedNeedsForwardKeys: a proxy beyond loopback with providers and no
// forward keys refuses to listen, saying how to fix it.
func TestGatewayExposedNeedsForwardKeys(t *testing.T) {
	for _, tt := range []struct {
		name, extra string
		wantErr     bool
	}{{"no_keys", "", true}, {"keys", "forward_keys:\n  - { key: lt-abc }\n", false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			yaml := "providers:\n  - name: p\n    kind: openai\n    base_url: http://127.0.0.1:1/v1\n    keys: [k]\n    models: [m]\n" + tt.extra
			if err := os.WriteFile(filepath.Join(dir, ProvidersFile), []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			a, err := Open(t.Context(), Config{ProxyAddr: "0.0.0.0:0", ProxyToken: "tok-123456789012345678901234", DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Shutdown(context.Background())
			err = a.ListenProxy()
			if (err != nil) != tt.wantErr || (err != nil && !strings.Contains(err.Error(), "forward_keys")) {
				t.Fatalf("ListenProxy = %v, want error %v naming forward_keys", err, tt.wantErr)
			}
		})
	}
}

// TestGatewayCacheThroughProxy: requests that ask for the cache are answered from
// the SQLite response cache once recorded (x-llmtap-cache: hit, a stream replayed
// with its chunks), miss after the TTL, and /metrics counts the hits; a hit is
// captured marked as one and never becomes a turn.
func TestGatewayCacheThroughProxy(t *testing.T) {
	var sent lastBody
	claude := fakeAnthropic(t, &sent)
	ta := startGatewayApp(t, fmt.Sprintf(`providers:
  - name: claude
    kind: anthropic
    base_url: %s
    keys: [%s]
    models: [claude-test, claude-cached]
models:
  claude-cached: { cache: true }
cache: { ttl: 1s, max_mb: 8 }
`, claude.URL, testKey))
	ask := func(model string, stream bool, cacheHeader string) (string, string) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"model": model, "stream": stream, "messages": []map[string]string{{"role": "user", "content": "same question"}}})
		var h []string
		if cacheHeader != "" {
			h = []string{"X-Llmtap-Cache", cacheHeader}
		}
		sent.set(nil)
		status, hd, body := ta.post(t, "/v1/chat/completions", string(b), h...)
		if status != 200 {
			t.Fatalf("%s: %d %s", model, status, body)
		}
		if hd.Get("X-Llmtap-Cache") == "hit" && sent.get() != nil {
			t.Errorf("a hit reached the provider")
		}
		return hd.Get("X-Llmtap-Cache"), body
	}
	first, streamed := ask("claude-test", true, "on")
	second, replayed := ask("claude-test", true, "on")
	none, _ := ask("claude-test", true, "") // did not ask: goes to the provider
	model1, json1 := ask("claude-cached", false, "")
	model2, json2 := ask("claude-cached", false, "")
	if first != "" || second != "hit" || none != "" || model1 != "" || model2 != "hit" {
		t.Fatalf("cache marks %q %q %q %q %q, want miss, hit, none, miss, hit", first, second, none, model1, model2)
	}
	// A replayed translated stream keeps its bytes but for the id and time the
	// translator stamped, which the cache repeats.
	if replayed != streamed || json1 != json2 {
		t.Errorf("replays differ:\n%s\n%s\n%s\n%s", streamed, replayed, json1, json2)
	}
	time.Sleep(1100 * time.Millisecond)
	if expired, _ := ask("claude-test", true, "on"); expired != "" {
		t.Errorf("after the TTL: %q, want a miss", expired)
	}
	r, _ := http.Get(ta.api.URL + "/metrics")
	m, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(m), "llmtap_gateway_cache_hits_total 2") {
		t.Errorf("/metrics lacks 2 cache hits")
	}
	ta.wait(t, 6)
	var ex ExchangePage
	ta.getJSON(t, "/api/exchanges", &ex)
	hits := map[int64]bool{}
	for _, e := range ex.Items {
		if e.CacheHit {
			hits[e.ID] = true
		}
	}
	if len(hits) != 2 {
		t.Errorf("%d exchanges marked cache hit, want 2", len(hits))
	}
	var page ConversationPage
	ta.getJSON(t, "/api/conversations?limit=50", &page)
	for _, c := range page.Items {
		var d store.Detail
		ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", c.ID), &d)
		for _, msg := range d.Messages {
			if hits[msg.ExchangeID] {
				t.Errorf("message %q comes from cache hit exchange %d", msg.Content, msg.ExchangeID)
			}
		}
	}
}

// fakeNative serves Gemini's generateContent and streamGenerateContent (SSE) and
// Ollama's /api/chat (NDJSON), answering "KIND N" where N counts the user turns.
func fakeNative(t *testing.T, kind string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Contents []struct {
				Role string `json:"role"`
			} `json:"contents"`
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
			Stream *bool `json:"stream"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		users := 0
		for _, c := range req.Contents {
			if c.Role == "user" {
				users++
			}
		}
		for _, m := range req.Messages {
			if m.Role == "user" {
				users++
			}
		}
		answer := fmt.Sprintf("%s %d", kind, users)
		switch {
		case kind == "gemini" && r.Header.Get("X-Goog-Api-Key") != testKey,
			kind == "gemini" && !strings.HasPrefix(r.URL.Path, "/v1beta/models/gem-test:"),
			kind == "ollama" && r.URL.Path != "/api/chat":
			http.Error(w, `{"error":"bad request"}`, http.StatusUnauthorized)
		case kind == "gemini" && strings.HasSuffix(r.URL.Path, ":generateContent"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"candidates":[{"content":{"role":"model","parts":[{"text":%q}]},"finishReason":"STOP","index":0}],`+
				`"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":3,"totalTokenCount":12},"modelVersion":"gem-test"}`, answer)
		case kind == "gemini":
			w.Header().Set("Content-Type", "text/event-stream")
			word, num, _ := strings.Cut(answer, " ")
			fmt.Fprintf(w, "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":%q}]},\"index\":0}],\"modelVersion\":\"gem-test\"}\r\n\r\n", word)
			w.(http.Flusher).Flush()
			fmt.Fprintf(w, "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":%q}]},\"finishReason\":\"STOP\",\"index\":0}],"+
				"\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":3,\"totalTokenCount\":12},\"modelVersion\":\"gem-test\"}\r\n\r\n", " "+num)
		case req.Stream != nil && !*req.Stream:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"model":"llama-test","created_at":"2026-12-04T10:00:00Z","message":{"role":"assistant","content":%q},`+
				`"done":true,"done_reason":"stop","prompt_eval_count":9,"eval_count":3}`, answer)
		default:
			w.Header().Set("Content-Type", "application/x-ndjson")
			word, num, _ := strings.Cut(answer, " ")
			fmt.Fprintf(w, "{\"model\":\"llama-test\",\"created_at\":\"2026-12-04T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":%q},\"done\":false}\n", word)
			w.(http.Flusher).Flush()
			fmt.Fprintf(w, "{\"model\":\"llama-test\",\"created_at\":\"2026-12-04T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":%q},\"done\":false}\n", " "+num)
			fmt.Fprint(w, "{\"model\":\"llama-test\",\"created_at\":\"2026-12-04T10:00:01Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":9,\"eval_count\":3}\n")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOpenAIClientReachesGeminiAndOllama: an OpenAI client holds a two-turn chat
// (one JSON answer, one streamed) with a Gemini and an Ollama model through the
// real proxy; each is captured on the provider's path and threaded once.
func TestOpenAIClientReachesGeminiAndOllama(t *testing.T) {
	for _, tt := range []struct{ kind, model, path string }{
		{"gemini", "gem-test", "/v1beta/models/gem-test:"},
		{"ollama", "llama-test", "/api/chat"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			up := fakeNative(t, tt.kind)
			ta := startGatewayApp(t, fmt.Sprintf("providers:\n  - name: p\n    kind: %s\n    base_url: %s\n    keys: [%s]\n    models: [%s]\n",
				tt.kind, up.URL, testKey, tt.model))
			status, _, body := ta.post(t, "/v1/chat/completions",
				`{"model":"`+tt.model+`","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"one"}]}`)
			want1 := tt.kind + " 1"
			if status != 200 || !strings.Contains(body, `"content":"`+want1+`"`) || !strings.Contains(body, `"finish_reason":"stop"`) {
				t.Fatalf("JSON turn = %d %s", status, body)
			}
			status, _, body = ta.post(t, "/v1/chat/completions", `{"model":"`+tt.model+`","stream":true,"messages":[`+
				`{"role":"system","content":"be brief"},{"role":"user","content":"one"},{"role":"assistant","content":"`+want1+`"},{"role":"user","content":"two"}]}`)
			if status != 200 || !strings.Contains(body, "chat.completion.chunk") || !strings.Contains(body, `"content":" 2"`) ||
				!strings.Contains(body, "data: [DONE]") {
				t.Fatalf("streamed turn = %d %s", status, body)
			}
			ta.wait(t, 2)
			var ex ExchangePage
			ta.getJSON(t, "/api/exchanges", &ex)
			for _, e := range ex.Items {
				if !strings.HasPrefix(e.Path, tt.path) {
					t.Errorf("captured path %q, want the provider's %s…", e.Path, tt.path)
				}
			}
			var page ConversationPage
			ta.getJSON(t, "/api/conversations", &page)
			if page.Total != 1 {
				t.Fatalf("%d conversations, want 1", page.Total)
			}
			var d store.Detail
			ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", page.Items[0].ID), &d)
			var msgs []string
			for _, m := range d.Messages {
				msgs = append(msgs, string(m.Role)+":"+m.Content)
			}
			if got, want := strings.Join(msgs, "|"), "user:one|assistant:"+want1+"|user:two|assistant:"+tt.kind+" 2"; !strings.HasSuffix(got, want) {
				t.Errorf("conversation %q, want it to end %q", got, want)
			}
		})
	}
}

// TestFallbackDropsThinking: an OpenAI client whose history carries Claude's
// thinking blocks (with their signature) asks for a model that fails; the
// fallback model gets the history without them, since another model refuses
// them, while the first model got them.
func TestFallbackDropsThinking(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ Model string }
		_ = json.Unmarshal(body, &req)
		mu.Lock()
		got[req.Model] = string(body)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if req.Model == "claude-a" {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"type":"error","error":{"type":"api_error","message":"overloaded"}}`)
			return
		}
		fmt.Fprintf(w, `{"id":"msg_2","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"from b"}],`+
			`"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":2}}`, req.Model)
	}))
	t.Cleanup(up.Close)
	ta := startGatewayApp(t, fmt.Sprintf(`providers:
  - { name: c, kind: anthropic, base_url: %s, keys: [%s], models: [claude-a, claude-b] }
models:
  claude-a: { fallbacks: [claude-b] }
retries: 1
`, up.URL, testKey))
	status, h, body := ta.post(t, "/v1/chat/completions", `{"model":"claude-a","messages":[`+
		`{"role":"user","content":"think"},`+
		`{"role":"assistant","content":"done","thinking_blocks":[{"type":"thinking","thinking":"hmm","signature":"SIG-A-123"}]},`+
		`{"role":"user","content":"again"}]}`)
	if status != 200 || !strings.Contains(body, "from b") {
		t.Fatalf("fallback = %d %s (%v)", status, body, h)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(got["claude-a"], "SIG-A-123") {
		t.Errorf("claude-a got %s, want the thinking block", got["claude-a"])
	}
	if b := got["claude-b"]; b == "" || strings.Contains(b, "SIG-A-123") || strings.Contains(b, `"thinking"`) {
		t.Errorf("claude-b got %s, want the history without thinking", b)
	}
}
