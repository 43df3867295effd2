package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestForwardKeyTokens: the file's forward keys count the tokens each answer
// reported toward tpm; a stream that is still running counts as an estimate (a
// quarter of its request's bytes), swapped for the usage once it ends; a reload
// that keeps the key keeps its counts; the window slides with the clock.
func TestForwardKeyTokens(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	clk := newClock()
	file := func(tpm int) string {
		return yamlFor("forward_keys:\n  - { key: lt-k, name: k, tpm: "+strconv.Itoa(tpm)+" }\n",
			providerYAML{f: a, keys: []string{"real"}, models: []string{"m"}})
	}
	g := New(Config{Now: clk.Now})
	if err := g.Load([]byte(file(30))); err != nil {
		t.Fatal(err)
	}
	// 160 bytes: a stream of it is estimated at 40 tokens, over the 30 a minute.
	streamBody := `{"model":"m","stream":true,"messages":[{"role":"user","content":"` + strings.Repeat("x", 160-69) + `"}]}`
	if len(streamBody) != 160 {
		t.Fatalf("stream body is %d bytes", len(streamBody))
	}
	send := func(body string) *http.Response {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer lt-k")
		rt, _ := g.Route(httptest.NewRecorder(), r, []byte(body), false)
		if rt == nil {
			t.Fatal("not routed")
		}
		out := r.Clone(t.Context())
		out.Body = io.NopCloser(bytes.NewReader([]byte(body)))
		resp, err := rt.RoundTrip(out)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	drain := func(resp *http.Response) {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	chat := `{"model":"m","messages":[]}`
	stream := send(streamBody) // held open: its estimate counts
	steps := []struct {
		name    string
		advance time.Duration
		reload  int
		before  func()
		want    int
	}{
		{"while_stream_runs", 0, 0, nil, 429},                       // 40 reserved
		{"after_stream_usage", 0, 0, func() { drain(stream) }, 200}, // 11 (7+4) in place of 40, then +10
		{"third", 0, 0, nil, 200},                                   // 21, then 31
		{"over", 0, 0, nil, 429},
		{"reload_keeps_counts", 0, 30, nil, 429},
		{"window_slid", 61 * time.Second, 0, nil, 200},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		if s.reload > 0 {
			if err := g.Load([]byte(file(s.reload) + "# reloaded\n")); err != nil {
				t.Fatal(err)
			}
		}
		clk.advance(s.advance)
		resp := send(chat)
		if resp.StatusCode != s.want {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %d %s, want %d", s.name, resp.StatusCode, b, s.want)
		}
		if s.want == 429 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", s.name)
		}
		if got := resp.Header.Get("X-Llmtap-Forward-Key-Id"); got != "k" {
			t.Errorf("%s: forward key id %q, want k", s.name, got)
		}
		drain(resp)
	}
	if got := a.last().key; got != "real" {
		t.Errorf("provider got key %q, want its own", got)
	}
}

// TestRequireKeysWithoutAny: a gateway told to require forward keys (the proxy
// listens beyond loopback) refuses every routed request while the file has none,
// and serves once one exists.
func TestRequireKeysWithoutAny(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	base := yamlFor("", providerYAML{f: a, keys: []string{"real"}, models: []string{"m"}})
	g, srv := newTestGateway(t, base, Config{RequireKeys: true})
	for _, tt := range []struct {
		name, extra string
		want        int
	}{{"none", "", 401}, {"one", "forward_keys:\n  - { key: client-key }\n", 200}} {
		if err := g.Load([]byte(base + tt.extra)); err != nil {
			t.Fatal(err)
		}
		status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m","messages":[]}`)
		if status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.want)
		}
	}
	if a.total() != 1 {
		t.Errorf("provider got %d requests, want 1", a.total())
	}
}
