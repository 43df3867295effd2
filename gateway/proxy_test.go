package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// recorder is a proxy.Sink that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	exs []*proxy.Exchange
}

func (r *recorder) Capture(_ context.Context, ex *proxy.Exchange) {
	r.mu.Lock()
	r.exs = append(r.exs, ex)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) *proxy.Exchange {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exs) == 0 {
		t.Fatal("nothing captured")
	}
	return r.exs[len(r.exs)-1]
}

// newProxy serves the real proxy configured by cfg with g as its gateway and a
// recording sink.
func newProxy(t *testing.T, g *Gateway, cfg proxy.Config) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.Gateway, cfg.Sink = g, rec
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv, rec
}

// oneProvider is a gateway with fake provider a serving model m with key k.
func oneProvider(t *testing.T) (*Gateway, *fakeProvider) {
	t.Helper()
	a := newFake(t, "a", KindOpenAI)
	g := New(Config{})
	if err := g.Load([]byte(yamlFor("", providerYAML{f: a, keys: []string{"k"}, models: []string{"m"}}))); err != nil {
		t.Fatal(err)
	}
	return g, a
}

func TestThroughProxy(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	other := newFake(t, "target", KindOpenAI)
	g := New(Config{})
	if err := g.Load([]byte(yamlFor("strategy: first-healthy\n",
		providerYAML{f: a, keys: []string{"pool-1", "pool-2"}, models: []string{"m"}}))); err != nil {
		t.Fatal(err)
	}
	srv, rec := newProxy(t, g, proxy.Config{Target: other.srv.URL, Routes: map[string]string{"direct": other.srv.URL + "/v1"}})

	t.Run("routed", func(t *testing.T) {
		status, h, body, err := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
		if err != nil || status != 200 || h.Get("X-Llmtap-Provider") != "a" {
			t.Fatalf("POST = %d %s via %q (%v), want 200 via a", status, body, h.Get("X-Llmtap-Provider"), err)
		}
		if got := a.last().header.Get("Authorization"); got != "Bearer pool-1" {
			t.Errorf("provider got Authorization %q, want the pool key", got)
		}
		ex := rec.last(t)
		if ex.Route != "gateway:a" || ex.Host != strings.TrimPrefix(a.srv.URL, "http://") || ex.Path != "/v1/chat/completions" {
			t.Errorf("captured route %q host %q path %q, want gateway:a at the provider", ex.Route, ex.Host, ex.Path)
		}
		for _, v := range ex.ReqHeader.Values("Authorization") {
			if strings.Contains(v, "pool-1") || strings.Contains(v, "client-key") {
				t.Errorf("captured Authorization %q holds a key", v)
			}
		}
		if !strings.Contains(string(ex.RespBody), "hi from a") {
			t.Errorf("captured body %q, want the provider's answer", ex.RespBody)
		}
	})
	t.Run("unknown_model_goes_to_target", func(t *testing.T) {
		status, h, _, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"elsewhere"}`)
		if status != 200 || h.Get("X-Llmtap-Provider") != "" || other.total() != 1 {
			t.Errorf("unknown model = %d via %q, target hit %d; want 200 from the target", status, h.Get("X-Llmtap-Provider"), other.total())
		}
		if got := other.last().header.Get("Authorization"); got != "Bearer client-key" {
			t.Errorf("target got Authorization %q, want the client's own (not a gateway request)", got)
		}
		if ex := rec.last(t); ex.Route != "target" {
			t.Errorf("captured route %q, want target", ex.Route)
		}
	})
	t.Run("named_route_untouched", func(t *testing.T) {
		status, h, _, _ := post(t, srv.URL, "/direct/chat/completions", `{"model":"m"}`)
		if status != 200 || h.Get("X-Llmtap-Provider") != "" || other.total() != 2 {
			t.Errorf("named route = %d via %q, want 200 from the route's upstream", status, h.Get("X-Llmtap-Provider"))
		}
	})
	t.Run("models", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/v1/models")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET /v1/models = %d %s, want the gateway's JSON list", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("cut_stream", func(t *testing.T) {
		a.set("pool-1", behavior{cutAfter: 2})
		status, _, body, rerr := post(t, srv.URL, "/v1/chat/completions", `{"model":"m","stream":true}`)
		if status != 200 || !strings.Contains(body, `"code":"stream_cut"`) || strings.Contains(body, "[DONE]") || rerr == nil {
			t.Errorf("cut stream through the proxy = %d %q (read err %v), want the error event and a cut connection", status, body, rerr)
		}
		if ex := rec.last(t); !strings.Contains(ex.Err, "cut off") || ex.Route != "gateway:a" {
			t.Errorf("captured Err %q route %q, want the cut recorded", ex.Err, ex.Route)
		}
	})
}

func TestThroughProxyNoTarget(t *testing.T) {
	g, _ := oneProvider(t)
	srv, _ := newProxy(t, g, proxy.Config{})
	status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"nope"}`)
	if status != 404 || !strings.Contains(body, `"code":"model_not_found"`) || !strings.Contains(body, `m`) {
		t.Errorf("unknown model without target = %d %s, want 404 listing models", status, body)
	}
	status, _, body, _ = post(t, srv.URL, "/v1/files", `{}`)
	if status != 404 || !strings.Contains(body, "unknown_route") {
		t.Errorf("non-LLM path = %d %s, want the proxy's own 404", status, body)
	}
}

func TestThroughProxyBodyLimits(t *testing.T) {
	g, a := oneProvider(t)
	srv, rec := newProxy(t, g, proxy.Config{MaxBody: 64})
	big := `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", 100) + `"}]}`
	status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", big)
	if status != http.StatusRequestEntityTooLarge || a.total() != 0 {
		t.Errorf("oversized body = %d %s with %d upstream requests, want 413 and none", status, body, a.total())
	}
	if ex := rec.last(t); !strings.Contains(ex.Err, "larger than") {
		t.Errorf("captured Err %q, want the size refusal", ex.Err)
	}
}

// TestProxyCapturesProviderSide: through the real proxy, the capture of a routed
// request holds what went to the provider (an alias's model put in; a translated
// body and the provider's own reply), and the forward key id only the gateway
// set, never one the client sent; the client does not see the id.
func TestProxyCapturesProviderSide(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	g := New(Config{Translator: &tagTranslator{}})
	yaml := yamlFor("models:\n  fast: {use: [m]}\nforward_keys:\n  - {key: client-key, name: team}\n",
		providerYAML{f: a, keys: []string{"k"}, models: []string{"m"}})
	if err := g.Load([]byte(yaml)); err != nil {
		t.Fatal(err)
	}
	srv, rec := newProxy(t, g, proxy.Config{})
	tests := []struct {
		name, path, body     string
		wantReq, wantRespHas string
	}{
		{"alias", "/v1/chat/completions", `{"model":"fast","messages":[]}`, `{"model":"m","messages":[]}`, "hi from a"},
		{"translated", "/v1/messages", `{"model":"m","max_tokens":5}`, `{"model":"m","stream":false,"from":"anthropic"}`, `"object":"chat.completion"`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer client-key")
		req.Header.Set("X-Llmtap-Forward-Key-Id", "spoofed")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Llmtap-Forward-Key-Id") != "" {
			t.Errorf("%s: %d %s, forward key id %q shown to the client", tt.name, resp.StatusCode, b.String(), resp.Header.Get("X-Llmtap-Forward-Key-Id"))
		}
		ex := rec.last(t)
		if string(ex.ReqBody) != tt.wantReq || !strings.Contains(string(ex.RespBody), tt.wantRespHas) {
			t.Errorf("%s: captured %s → %s, want %s → …%s…", tt.name, ex.ReqBody, ex.RespBody, tt.wantReq, tt.wantRespHas)
		}
		if got := ex.ReqHeader.Values("X-Llmtap-Forward-Key-Id"); len(got) != 1 || got[0] != "team" {
			t.Errorf("%s: captured forward key id %q, want team", tt.name, got)
		}
		if strings.Contains(ex.ReqHeader.Get("Authorization"), "client-key") {
			t.Errorf("%s: forward key captured", tt.name)
		}
	}
}
