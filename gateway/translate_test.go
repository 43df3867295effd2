package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmtap/llmtap/gateway/translate"
)

// tagTranslator is a test double standing in for gateway/translate: it turns any
// request into a minimal OpenAI chat body, wraps whole replies, frames each stream
// chunk as an event, and counts StripReasoning calls. It checks the plumbing (which
// body and path go where, when each method is called), not translation.
type tagTranslator struct{ stripped atomic.Int32 }

func (*tagTranslator) Request(clientKind, providerKind, model string, body []byte, stream bool) ([]byte, string, error) {
	return fmt.Appendf(nil, `{"model":%q,"stream":%v,"from":%q}`, model, stream, clientKind), "/chat/completions", nil
}

func (*tagTranslator) Response(clientKind, providerKind, model string, body []byte) ([]byte, error) {
	b, _ := json.Marshal(map[string]any{"type": "message", "translated": string(body)})
	return b, nil
}

func (*tagTranslator) Stream(clientKind, providerKind, model string, w io.Writer) StreamTranslator {
	return &tagStream{w: w}
}

func (t *tagTranslator) StripReasoning(kind string, body []byte) ([]byte, error) {
	t.stripped.Add(1)
	return body, nil
}

type tagStream struct{ w io.Writer }

func (s *tagStream) Write(p []byte) (int, error) {
	_, err := fmt.Fprintf(s.w, "event: chunk\ndata: %d\n\n", len(p))
	return len(p), err
}
func (s *tagStream) Close() error {
	_, err := io.WriteString(s.w, "event: message_stop\n\n")
	return err
}
func (s *tagStream) Abort(reason string) error {
	_, err := fmt.Fprintf(s.w, "event: error\ndata: %q\n\n", reason)
	return err
}

func TestCrossDialect(t *testing.T) {
	tests := []struct {
		name       string
		translator bool
		body       string
		cut        bool
		wantStatus int
		wantIn     []string
		wantOut    []string
	}{
		{"no_translator_501", false, `{"model":"m","max_tokens":5}`, false, 501,
			[]string{`"type":"error"`, "translator"}, nil},
		{"whole_reply", true, `{"model":"m","max_tokens":5}`, false, 200,
			[]string{`"type":"message"`, `hi from oa`}, nil},
		{"stream", true, `{"model":"m","max_tokens":5,"stream":true}`, false, 200,
			[]string{"event: chunk", "event: message_stop"}, []string{"event: error"}},
		{"stream_cut_aborts", true, `{"model":"m","max_tokens":5,"stream":true}`, true, 200,
			[]string{"event: chunk", "event: error"}, []string{"message_stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oa := newFake(t, "oa", KindOpenAI)
			if tt.cut {
				oa.set("k", behavior{cutAfter: 1})
			}
			cfg := Config{}
			if tt.translator {
				cfg.Translator = &tagTranslator{}
			}
			_, srv := newTestGateway(t, yamlFor("", providerYAML{f: oa, keys: []string{"k"}, models: []string{"m"}}), cfg)
			status, _, body, _ := post(t, srv.URL, "/v1/messages", tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", status, body, tt.wantStatus)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(body, w) {
					t.Errorf("body %q lacks %q", body, w)
				}
			}
			for _, w := range tt.wantOut {
				if strings.Contains(body, w) {
					t.Errorf("body %q has %q", body, w)
				}
			}
			if tt.translator {
				if last := oa.last(); last.path != "/v1/chat/completions" || !strings.Contains(string(last.body), `"from":"anthropic"`) {
					t.Errorf("provider got %s %s, want the translated body on /v1/chat/completions", last.path, last.body)
				}
			}
		})
	}
}

func TestFallbackModelStripsReasoning(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	a.set("a1", behavior{status: 500})
	b := newFake(t, "b", KindOpenAI)
	tr := &tagTranslator{}
	_, srv := newTestGateway(t, yamlFor("models:\n  m: {fallbacks: [m2]}\nretries: 3\n",
		providerYAML{f: a, keys: []string{"a1"}, models: []string{"m"}},
		providerYAML{f: b, keys: []string{"b1"}, models: []string{"m2"}}), Config{Translator: tr})
	status, h, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m","messages":[]}`)
	if status != 200 || h.Get("X-Llmtap-Provider") != "b" {
		t.Fatalf("POST = %d %s via %q, want 200 via b", status, body, h.Get("X-Llmtap-Provider"))
	}
	if got := b.last().model; got != "m2" {
		t.Errorf("fallback provider got model %q, want m2", got)
	}
	if n := tr.stripped.Load(); n != 1 {
		t.Errorf("StripReasoning called %d times, want once (on falling over to m2)", n)
	}

	// A model with no fallbacks never crosses to another one.
	status, _, _, _ = post(t, srv.URL, "/v1/chat/completions", `{"model":"m2"}`)
	if status != 200 || a.count("a1") != 1 {
		t.Errorf("m2 = %d with a1 hit %d times, want 200 and a1 untouched", status, a.count("a1"))
	}
}

func TestStatusAndMetrics(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	a.set("a2", behavior{status: 401})
	g, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n",
		providerYAML{f: a, keys: []string{"a2", "a1"}, models: []string{"m"}}), Config{})
	for _, body := range []string{`{"model":"m"}`, `{"model":"m","stream":true}`} {
		if status, _, b, _ := post(t, srv.URL, "/v1/chat/completions", body); status != http.StatusOK {
			t.Fatalf("status %d %s", status, b)
		}
	}
	st := g.Status()
	p := st.Providers[0]
	if p.State != "degraded" || p.Counts.Requests != 3 || p.Counts.Errors["auth"] != 1 {
		t.Errorf("provider status = %+v, want degraded, 3 requests, 1 auth error", p)
	}
	if p.Counts.TokensIn != 14 || p.Counts.TokensOut != 7 {
		t.Errorf("tokens = %d in, %d out; want 14 and 7 (7+3 whole, 7+4 streamed)", p.Counts.TokensIn, p.Counts.TokensOut)
	}
	if p.Latency.Samples != 3 || p.Keys[1].Latency.TTFTP50MS <= 0 {
		t.Errorf("latency = %+v / %+v, want 3 samples and a time to first byte", p.Latency, p.Keys[1].Latency)
	}
	var m strings.Builder
	if err := g.WriteMetrics(&m); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`llmtap_gateway_requests_total{provider="a",key="1"} 1`,
		`llmtap_gateway_requests_total{provider="a",key="2"} 2`,
		`llmtap_gateway_errors_total{provider="a",key="1",class="auth"} 1`,
		`llmtap_gateway_tokens_total{provider="a",direction="out"} 7`,
		`llmtap_gateway_key_up{provider="a",key="1"} 0`,
		`llmtap_gateway_request_duration_seconds_count{provider="a"} 3`,
		`llmtap_gateway_time_to_first_byte_seconds_bucket{provider="a",le="+Inf"} 2`,
		`llmtap_gateway_cache_hits_total 0`,
		`llmtap_gateway_in_flight{provider="a"} 0`,
		`# TYPE llmtap_gateway_request_duration_seconds histogram`,
	} {
		if !strings.Contains(m.String(), line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}
}

// TestFallbackOnSameKey: a fallback model served by the same provider and key as
// the first (one aggregator key for both) is still tried.
func TestFallbackOnSameKey(t *testing.T) {
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		model, _ := readRequest(KindOpenAI, r.URL.Path, body)
		seen = append(seen, model)
		if model == "first" {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(up.Close)
	_, srv := newTestGateway(t, "providers:\n  - {name: agg, kind: openai, base_url: '"+up.URL+"', keys: [k], models: [first, second]}\n"+
		"models:\n  first: {fallbacks: [second]}\n", Config{})
	status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"first"}`)
	if status != 200 || strings.Join(seen, ",") != "first,second" {
		t.Errorf("POST first = %d %s after %v, want 200 from second on the same key", status, body, seen)
	}
}

// TestAuthAndUsageHooks: Config.Auth refuses in the client's dialect with its
// status and Retry-After, or lets through and names the forward key on the reply;
// Config.Usage hears the tokens the answer reported.
func TestAuthAndUsageHooks(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	type used struct {
		key, model string
		in, out    int64
	}
	usages := make(chan used, 4)
	cfg := Config{
		Auth: func(r *http.Request, model string) (int, time.Duration, string, string) {
			switch r.Header.Get("Authorization") {
			case "Bearer lt-good":
				return 0, 0, "", "team"
			case "Bearer lt-slow":
				return http.StatusTooManyRequests, 7 * time.Second, "over 60 requests a minute", "slow"
			}
			return http.StatusUnauthorized, 0, "unknown forward key", ""
		},
		Usage: func(key, model string, in, out int64) { usages <- used{key, model, in, out} },
	}
	_, srv := newTestGateway(t, yamlFor("", providerYAML{f: a, keys: []string{"k"}, models: []string{"m"}}), cfg)
	tests := []struct {
		name, key      string
		wantStatus     int
		wantRetryAfter string
		wantFwd        string
	}{
		{"allowed", "lt-good", 200, "", "team"},
		{"rate_limited", "lt-slow", 429, "7", "slow"}, // a refusal names the key too, for the capture
		{"unknown", "sk-other", 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m"}`))
			req.Header.Set("Authorization", "Bearer "+tt.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Retry-After") != tt.wantRetryAfter ||
				resp.Header.Get("X-Llmtap-Forward-Key-Id") != tt.wantFwd {
				t.Errorf("%s = %d, Retry-After %q, forward key %q; want %d, %q, %q", tt.key, resp.StatusCode,
					resp.Header.Get("Retry-After"), resp.Header.Get("X-Llmtap-Forward-Key-Id"), tt.wantStatus, tt.wantRetryAfter, tt.wantFwd)
			}
		})
	}
	if got := <-usages; got != (used{"team", "m", 7, 3}) {
		t.Errorf("Usage = %+v, want team m 7 3", got)
	}
	if a.total() != 1 {
		t.Errorf("provider got %d requests, want 1 (refused ones never reach it)", a.total())
	}
}

// TestTranslatedAlias: an OpenAI client asks for an alias served by an Anthropic
// model; the translator writes the provider's model name into the request (the
// gateway leaves the client's body as it is for a translated request).
func TestTranslatedAlias(t *testing.T) {
	var got atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}`)
	}))
	defer up.Close()
	g := New(Config{Translator: translate.New()})
	if err := g.Load([]byte("providers:\n  - {name: claude, kind: anthropic, base_url: '" + up.URL + "', keys: [k1], models: [claude-x]}\nmodels:\n  fast: { use: [claude-x] }\n")); err != nil {
		t.Fatal(err)
	}
	body := `{"messages":[{"role":"user","content":"hi"}],"model":"fast"}`
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
	rt, ok := g.Route(httptest.NewRecorder(), r, []byte(body), false)
	if !ok || rt == nil {
		t.Fatal("not routed")
	}
	out, _ := http.NewRequest(http.MethodPost, "http://llmtap/v1/chat/completions", strings.NewReader(body))
	resp, err := rt.RoundTrip(out)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sent, _ := got.Load().(string)
	if resp.StatusCode != 200 || !strings.Contains(sent, `"model":"claude-x"`) || strings.Contains(sent, "fast") ||
		!strings.Contains(string(reply), `"chat.completion"`) {
		t.Fatalf("status %d, provider got %s, client got %s", resp.StatusCode, sent, reply)
	}
}

// TestTranslatedStreamEndsWithLastEvent: an Anthropic provider that sends its
// whole stream and then holds the connection open. The OpenAI client's finishing
// chunk and "data: [DONE]" come in the same Read, before the provider's EOF (one
// write to the client, not a second one for [DONE] at the EOF); the EOF then adds
// nothing, and the provider's bytes are kept for the capture.
func TestTranslatedStreamEndsWithLastEvent(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, anthropicBenchStream)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release)
	g := New(Config{Translator: translate.New()})
	if err := g.Load([]byte("providers:\n  - {name: claude, kind: anthropic, base_url: '" + up.URL + "', keys: [k1], models: [claude-bench]}\n")); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(benchOpenAIReq))
	rt, ok := g.Route(httptest.NewRecorder(), r, []byte(benchOpenAIReq), false)
	if !ok || rt == nil {
		t.Fatal("not routed")
	}
	out, _ := http.NewRequest(http.MethodPost, "http://llmtap/v1/chat/completions", strings.NewReader(benchOpenAIReq))
	resp, err := rt.RoundTrip(out)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	type read struct {
		b   string
		err error
	}
	reads := make(chan read)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			reads <- read{string(buf[:n]), err}
			if err != nil {
				return
			}
		}
	}()
	var got strings.Builder
	for !strings.Contains(got.String(), `"finish_reason":"stop"`) {
		select {
		case rd := <-reads:
			if rd.err != nil {
				t.Fatalf("stream ended before its finishing chunk: %v; got %q", rd.err, got.String())
			}
			got.WriteString(rd.b)
			if strings.Contains(rd.b, `"finish_reason":"stop"`) && !strings.HasSuffix(rd.b, "}\n\ndata: [DONE]\n\n") {
				t.Errorf("the read with the finishing chunk ends %q, want it to end with data: [DONE]", rd.b[max(len(rd.b)-40, 0):])
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no finishing chunk while the provider holds the stream open; got %q", got.String())
		}
	}
	release <- struct{}{}
	if rd := <-reads; rd.b != "" || rd.err != io.EOF {
		t.Errorf("after the provider's end: Read = %q, %v; want nothing and io.EOF", rd.b, rd.err)
	}
	if n := strings.Count(got.String(), "data: "); n != 23 {
		t.Errorf("client got %d events, want the role chunk, 20 deltas, the finishing chunk and [DONE]:\n%s", n, got.String())
	}
	sb, ok := resp.Body.(interface {
		ProviderSide() ([]byte, http.Header, []byte, bool)
	})
	if !ok {
		t.Fatalf("reply body %T does not give the provider side", resp.Body)
	}
	if _, _, raw, _ := sb.ProviderSide(); string(raw) != anthropicBenchStream {
		t.Errorf("captured provider reply differs from what the provider sent:\n%s", raw)
	}
}
