package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFailoverPerKey(t *testing.T) {
	tests := []struct {
		name      string
		behave    behavior // of key a1, tried first (first-healthy)
		wantState string   // of a1 afterwards
		wantClass string   // error class counted for a1
	}{
		{"auth_401_disables", behavior{status: 401}, "disabled", "auth"},
		{"payment_402_disables", behavior{status: 402}, "disabled", "auth"},
		{"forbidden_403_disables", behavior{status: 403}, "disabled", "auth"},
		{"rate_429_cools_down", behavior{status: 429, retryAfter: "30"}, "cooling", "rate_limit"},
		{"server_500_retried", behavior{status: 500}, "healthy", "server"},
		{"stall_before_first_byte_retried", behavior{stall: true}, "healthy", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFake(t, "a", KindOpenAI)
			a.set("a1", tt.behave)
			clk := newClock()
			g, srv := newTestGateway(t, yamlFor("strategy: first-healthy\nfirst_byte_timeout: 300ms\n",
				providerYAML{f: a, keys: []string{"a1", "a2"}, models: []string{"m"}}), Config{Now: clk.Now})

			status, h, body, err := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
			if err != nil || status != http.StatusOK || !strings.Contains(body, "hi from a") {
				t.Fatalf("POST = %d %q (%v), want 200 from key a2", status, body, err)
			}
			if h.Get("X-Llmtap-Provider") != "a" {
				t.Errorf("X-Llmtap-Provider = %q, want a", h.Get("X-Llmtap-Provider"))
			}
			if a.count("a1") != 1 || a.count("a2") != 1 {
				t.Errorf("requests a1=%d a2=%d, want 1 and 1", a.count("a1"), a.count("a2"))
			}
			k := g.Status().Providers[0].Keys[0]
			if k.State != tt.wantState {
				t.Errorf("a1 state = %q (%s), want %q", k.State, k.Reason, tt.wantState)
			}
			if k.Counts.Errors[tt.wantClass] != 1 {
				t.Errorf("a1 errors = %v, want one %s", k.Counts.Errors, tt.wantClass)
			}
			if tt.wantState == "disabled" && !strings.Contains(k.Reason, http.StatusText(tt.behave.status)) {
				t.Errorf("a1 reason = %q, want it to name %d", k.Reason, tt.behave.status)
			}
		})
	}
}

func TestCooldownWithClock(t *testing.T) {
	tests := []struct {
		name             string
		retryAfter       string
		minWait, maxWait time.Duration
	}{
		{"retry_after_seconds", "30", 30 * time.Second, 30 * time.Second},
		{"no_retry_after_backoff", "", time.Second, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFake(t, "a", KindOpenAI)
			a.set("a1", behavior{status: 429, retryAfter: tt.retryAfter})
			clk := newClock()
			start := clk.Now()
			g, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n",
				providerYAML{f: a, keys: []string{"a1", "a2"}, models: []string{"m"}}), Config{Now: clk.Now})
			post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
			k := g.Status().Providers[0].Keys[0]
			if k.Until == nil || k.Until.Before(start.Add(tt.minWait)) || k.Until.After(start.Add(tt.maxWait)) {
				t.Fatalf("a1 cooling until %v, want within [%s, %s] of %v", k.Until, tt.minWait, tt.maxWait, start)
			}
			// Still cooling: the next request skips a1.
			post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
			if a.count("a1") != 1 {
				t.Errorf("a1 got %d requests while cooling, want 1", a.count("a1"))
			}
			a.set("a1", behavior{})
			clk.advance(tt.maxWait + time.Millisecond)
			post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
			if a.count("a1") != 2 {
				t.Errorf("a1 got %d requests after its cooldown, want 2", a.count("a1"))
			}
			if st := g.Status().Providers[0].Keys[0].State; st != "healthy" {
				t.Errorf("a1 state after cooldown = %q, want healthy", st)
			}
		})
	}
}

func TestAllDown(t *testing.T) {
	tests := []struct {
		name, path, body string
		behave           []behavior // of keys k1..k3
		retries          string
		wantStatus       int
		wantRetryAfter   string
		wantHits         int // requests the provider got
		wantShape        string
		wantIn           []string // the message names these
	}{
		{"retries_exhausted_503", "/v1/chat/completions", `{"model":"m"}`,
			[]behavior{{status: 500}, {status: 502}, {status: 503}}, "retries: 1\n", 503, "", 2, "openai",
			[]string{"a key 1: 500 Internal Server Error", "a key 2: 502"}},
		{"all_rate_limited_429", "/v1/chat/completions", `{"model":"m"}`,
			[]behavior{{status: 429, retryAfter: "20"}, {status: 429, retryAfter: "10"}, {status: 429, retryAfter: "40"}}, "", 429, "10", 3, "openai",
			[]string{"rate limited"}},
		{"mixed_auth_and_rate_503", "/v1/chat/completions", `{"model":"m"}`,
			[]behavior{{status: 401}, {status: 429, retryAfter: "5"}, {status: 401}}, "", 503, "", 3, "openai",
			[]string{"disabled after 401", "rate limited"}},
		{"anthropic_client_shape", "/v1/messages", `{"model":"m","max_tokens":5}`,
			[]behavior{{status: 500}, {status: 500}, {status: 500}}, "", 503, "", 3, "anthropic",
			[]string{"500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := KindOpenAI
			if tt.wantShape == "anthropic" {
				kind = KindAnthropic
			}
			a := newFake(t, "a", kind)
			for i, b := range tt.behave {
				a.set("k"+string(rune('1'+i)), b)
			}
			_, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n"+tt.retries,
				providerYAML{f: a, keys: []string{"k1", "k2", "k3"}, models: []string{"m"}}), Config{Now: newClock().Now})
			status, h, body, _ := post(t, srv.URL, tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", status, body, tt.wantStatus)
			}
			if got := h.Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}
			if a.total() != tt.wantHits {
				t.Errorf("provider got %d requests, want %d", a.total(), tt.wantHits)
			}
			var e struct {
				Type  string `json:"type"`
				Error struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if tt.wantShape == "anthropic" && (e.Type != "error" || e.Error.Type != "overloaded_error") {
				t.Errorf("body = %s, want Anthropic's error shape", body)
			}
			if tt.wantShape == "openai" && e.Type != "" {
				t.Errorf("body = %s, want OpenAI's error shape", body)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(e.Error.Message, w) {
					t.Errorf("message %q does not name %q", e.Error.Message, w)
				}
			}
			if strings.Contains(body, "client-key") {
				t.Errorf("the client's key leaked into %s", body)
			}
		})
	}
}

func TestConnectionErrorFailsOver(t *testing.T) {
	dead := newFake(t, "dead", KindOpenAI)
	dead.srv.Close() // its port refuses connections now
	live := newFake(t, "live", KindOpenAI)
	_, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n",
		providerYAML{f: dead, keys: []string{"d1"}, models: []string{"m"}},
		providerYAML{f: live, keys: []string{"l1"}, models: []string{"m"}}), Config{})
	status, h, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`)
	if status != 200 || h.Get("X-Llmtap-Provider") != "live" {
		t.Fatalf("POST = %d %s via %q, want 200 via live", status, body, h.Get("X-Llmtap-Provider"))
	}
}

// TestNoRetryAfterFirstByte: a stream that breaks off after two chunks is never
// retried (the client already has text), and ends in an error event the client's
// SDK reports, never in a clean [DONE] / message_stop.
func TestNoRetryAfterFirstByte(t *testing.T) {
	tests := []struct {
		name, kind, path, body string
		wantEvent              string
	}{
		{"openai", KindOpenAI, "/v1/chat/completions", `{"model":"m","stream":true}`, `data: {"error":{"code":"stream_cut","message":"the provider's stream broke off`},
		{"anthropic", KindAnthropic, "/v1/messages", `{"model":"m","stream":true,"max_tokens":9}`, "event: error\ndata: {\"error\":{\"message\":\"the provider's stream broke off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFake(t, "a", tt.kind)
			a.set("k1", behavior{cutAfter: 2})
			g, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n",
				providerYAML{f: a, keys: []string{"k1", "k2"}, models: []string{"m"}}), Config{})
			status, _, body, rerr := post(t, srv.URL, tt.path, tt.body)
			if status != 200 {
				t.Fatalf("status = %d, want 200 (the stream had begun)", status)
			}
			if !strings.Contains(body, "part0 ") || !strings.Contains(body, "part1 ") || strings.Count(body, "part0") != 1 {
				t.Errorf("body = %q, want part0 and part1 once each", body)
			}
			if !strings.Contains(body, tt.wantEvent) {
				t.Errorf("body = %q, want the error event %q", body, tt.wantEvent)
			}
			if strings.Contains(body, "[DONE]") {
				t.Errorf("body = %q: a cut stream ended clean", body)
			}
			if rerr == nil {
				t.Errorf("reading the cut stream gave no error; want the connection cut too")
			}
			if a.count("k2") != 0 || a.count("k1") != 1 {
				t.Errorf("requests k1=%d k2=%d, want 1 and 0: nothing is retried after the first byte", a.count("k1"), a.count("k2"))
			}
			if c := g.Status().Providers[0].Keys[0].Counts.Errors["stream_cut"]; c != 1 {
				t.Errorf("stream_cut errors = %d, want 1", c)
			}
		})
	}
}

// TestFailureRunPausesKey: a key that failed three times in a row sits out a
// while, so requests stop paying for a dead provider's first attempt, and is tried
// again once the pause is over.
func TestFailureRunPausesKey(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	a.set("a1", behavior{status: 500})
	b := newFake(t, "b", KindOpenAI)
	clk := newClock()
	g, srv := newTestGateway(t, yamlFor("strategy: first-healthy\n",
		providerYAML{f: a, keys: []string{"a1"}, models: []string{"m"}},
		providerYAML{f: b, keys: []string{"b1"}, models: []string{"m"}}), Config{Now: clk.Now})
	for i := range 5 {
		if status, h, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`); status != 200 || h.Get("X-Llmtap-Provider") != "b" {
			t.Fatalf("request %d = %d %s via %q, want 200 via b", i, status, body, h.Get("X-Llmtap-Provider"))
		}
	}
	if a.count("a1") != failRun {
		t.Errorf("a1 got %d requests, want %d: paused after that many failures", a.count("a1"), failRun)
	}
	k := g.Status().Providers[0].Keys[0]
	if k.State != "cooling" || !strings.Contains(k.Reason, "failures in a row") {
		t.Errorf("a1 = %s (%s), want cooling after a failure run", k.State, k.Reason)
	}
	clk.advance(failPause + time.Second)
	a.set("a1", behavior{})
	if _, h, _, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`); h.Get("X-Llmtap-Provider") != "a" {
		t.Errorf("after the pause the request went to %q, want a again", h.Get("X-Llmtap-Provider"))
	}
}
