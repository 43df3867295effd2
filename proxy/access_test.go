package proxy_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// guardedUpstream serves a fake LLM API that counts the requests reaching it, so a
// test can fail when a refused request got through. It answers CORS preflights as
// an API that allows browsers does.
func guardedUpstream(t *testing.T, reached *atomic.Int32, check func(r *http.Request)) string {
	t.Helper()
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path != "/marker" {
			reached.Add(1)
		}
		if check != nil {
			check(r)
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			w.Header().Set("Access-Control-Allow-Headers", "authorization, content-type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":"upstream"}`)
	})
	return up.URL
}

// checkNothingCaptured sends a plain request to /marker and fails unless its exchange
// is the next one the sink gets: a refused request must leave none.
func checkNothingCaptured(t *testing.T, pxURL string, rec *recorder, header http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, pxURL+"/marker", strings.NewReader(chatBody))
	req.Header = header.Clone()
	if resp, body := do(t, newClient(t), req); resp.StatusCode != http.StatusOK {
		t.Fatalf("marker request got %d %q", resp.StatusCode, body)
	}
	if ex := rec.next(t); ex.Path != "/marker" {
		t.Errorf("sink got an exchange for %s %s, want none for the refused request", ex.Method, ex.Path)
	}
}

func TestCrossSiteRequests(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		header   map[string]string
		wantCode int // 0 means the upstream's answer
	}{
		{"plain_client", "POST", nil, 0},
		{"loopback_page", "POST", map[string]string{"Origin": "http://localhost:5173", "Sec-Fetch-Site": "cross-site"}, 0},
		{"loopback_ip_page", "POST", map[string]string{"Origin": "http://127.0.0.1:3000"}, 0},
		{"loopback_ipv6_page", "POST", map[string]string{"Origin": "http://[::1]:8000"}, 0},
		{"allowed_page", "POST", map[string]string{"Origin": "https://chat.example.com", "Sec-Fetch-Site": "cross-site"}, 0},
		{"allowed_any_port", "POST", map[string]string{"Origin": "http://10.0.0.5:3000"}, 0},
		{"allowed_extension", "POST", map[string]string{"Origin": "chrome-extension://abcdefgh"}, 0},
		{"allowed_page_other_port", "POST", map[string]string{"Origin": "https://chat.example.com:8443"}, http.StatusForbidden},
		{"same_origin_navigation", "GET", map[string]string{"Sec-Fetch-Site": "same-origin"}, 0},
		{"allowed_page_preflight", "OPTIONS", map[string]string{"Origin": "https://chat.example.com", "Access-Control-Request-Method": "POST"}, 0},
		{"foreign_page", "POST", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"foreign_page_same_name_other_scheme", "POST", map[string]string{"Origin": "http://chat.example.com"}, http.StatusForbidden},
		{"lookalike_of_localhost", "POST", map[string]string{"Origin": "http://localhost.evil.example"}, http.StatusForbidden},
		{"null_origin", "POST", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"cross_site_without_origin", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign_preflight", "OPTIONS", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reached atomic.Int32
			up := guardedUpstream(t, &reached, nil)
			px, _, rec := startProxy(t, proxy.Config{Target: up, AllowOrigins: []string{"https://chat.example.com", "http://10.0.0.5:*", "chrome-extension://abcdefgh"}})
			req, _ := http.NewRequest(tt.method, px.URL+"/v1/chat/completions", strings.NewReader(chatBody))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, body := do(t, newClient(t), req)
			if tt.wantCode == 0 {
				if resp.StatusCode >= 300 || reached.Load() != 1 {
					t.Fatalf("%s from %v = %d %q, upstream reached %d times; want the upstream's answer", tt.method, tt.header, resp.StatusCode, body, reached.Load())
				}
				if origin := tt.header["Origin"]; origin != "" && tt.method == http.MethodOptions && resp.Header.Get("Access-Control-Allow-Origin") != origin {
					t.Errorf("preflight answer has Access-Control-Allow-Origin %q, want %q", resp.Header.Get("Access-Control-Allow-Origin"), origin)
				}
				if ex := rec.next(t); ex.Method != tt.method {
					t.Errorf("sink got %s, want the %s", ex.Method, tt.method)
				}
				return
			}
			checkRefusal(t, resp, body, tt.wantCode, "cross_site_refused")
			if reached.Load() != 0 {
				t.Errorf("refused request reached the upstream")
			}
			checkNothingCaptured(t, px.URL, rec, nil)
		})
	}
}

// checkRefusal checks that llmtap answered with code in the OpenAI error shape.
func checkRefusal(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("got %d %q, want %d with an OpenAI-shaped error coded %s", resp.StatusCode, body, status, code)
	}
}

func TestAccessToken(t *testing.T) {
	const token = "llmtap-tok-0123456789abcdef"
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name   string
		header map[string]string
		ok     bool
	}{
		{"llmtap_header", map[string]string{"X-Llmtap-Token": token}, true},
		{"proxy_bearer", map[string]string{"Proxy-Authorization": "Bearer " + token}, true},
		{"proxy_basic_any_user", map[string]string{"Proxy-Authorization": basic("anyone", token)}, true},
		{"none", nil, false},
		{"wrong_token", map[string]string{"X-Llmtap-Token": token + "x"}, false},
		{"prefix_of_token", map[string]string{"X-Llmtap-Token": token[:10]}, false},
		{"basic_token_as_user", map[string]string{"Proxy-Authorization": basic(token, "")}, false},
		{"token_as_upstream_key", map[string]string{"Authorization": "Bearer " + token}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reached atomic.Int32
			up := guardedUpstream(t, &reached, func(r *http.Request) {
				if dump := fmt.Sprint(r.Header); strings.Contains(dump, token) && r.Header.Get("Authorization") == "" {
					t.Errorf("upstream got the access token: %s", dump)
				}
				if r.URL.Path != "/marker" && r.Header.Get("X-Api-Key") != apiKey {
					t.Errorf("upstream got X-Api-Key %q, want the client's key", r.Header.Get("X-Api-Key"))
				}
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up, AccessToken: token})
			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(chatBody))
			req.Header.Set("X-Api-Key", apiKey)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, body := do(t, newClient(t), req)
			if !tt.ok {
				checkRefusal(t, resp, body, http.StatusUnauthorized, "llmtap_token_required")
				if reached.Load() != 0 {
					t.Errorf("unauthorized request reached the upstream")
				}
				checkNothingCaptured(t, px.URL, rec, http.Header{"X-Llmtap-Token": {token}})
				return
			}
			if resp.StatusCode != http.StatusOK || reached.Load() != 1 {
				t.Fatalf("authorized request got %d %q, upstream reached %d times", resp.StatusCode, body, reached.Load())
			}
			ex := rec.next(t)
			if dump := fmt.Sprintf("%v %s %s", ex.ReqHeader, ex.ReqBody, ex.URL); strings.Contains(dump, token) {
				t.Errorf("captured exchange holds the access token: %s", dump)
			}
		})
	}
}

func TestAccessTokenHealthzOpen(t *testing.T) {
	px, _, _ := startProxy(t, proxy.Config{AccessToken: "secret-token-123"})
	resp, body := do(t, newClient(t), mustRequest(t, http.MethodGet, px.URL+"/healthz"))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz without the token = %d %q, want 200", resp.StatusCode, body)
	}
}

func TestAccessTokenProxyForms(t *testing.T) {
	const token = "llmtap-tok-0123456789abcdef"
	env := startMITMWith(t, func(cfg *proxy.Config) { cfg.AccessToken = token })
	tests := []struct {
		name   string
		method string
		target string
	}{
		{"connect", http.MethodConnect, env.upHost},
		{"absolute_form", http.MethodGet, "http://" + env.upHost + "/v1/models"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"_refused", func(t *testing.T) {
			status, body := rawProxyRequest(t, env.proxyURL.Host, tt.method, tt.target)
			if status != http.StatusProxyAuthRequired || !strings.Contains(body, "proxy_auth_required") {
				t.Errorf("%s %s without the token = %d %q, want 407", tt.method, tt.target, status, body)
			}
		})
	}
	t.Run("connect_with_token_captures", func(t *testing.T) {
		withToken := *env.proxyURL
		withToken.User = url.UserPassword("llmtap", token)
		c := proxyClient(t, &withToken, poolOf(env.ca.Certificate()), false)
		req := chatRequest(t, "https://"+env.upHost+"/v1/chat/completions")
		req.Header.Set("X-Llmtap-Token", token) // an SDK's default header, sent inside the tunnel too
		resp, body := do(t, c, req)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request through the authorized tunnel got %d %q", resp.StatusCode, body)
		}
		ex := env.rec.next(t)
		if dump := fmt.Sprintf("%v %s", ex.ReqHeader, ex.URL); strings.Contains(dump, token) {
			t.Errorf("captured exchange holds the access token: %s", dump)
		}
	})
}

func mustRequest(t *testing.T, method, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
