package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

func TestProxyRedaction(t *testing.T) {
	const secret = "sk-proj-Zq8vT3xW9yLk2Jm5Np7Rs1Uf4Hd6Gb0cAeSECR"
	tests := []struct {
		name       string
		query      string
		header     string
		value      string
		wantHeader string // the captured header value; "" skips the check
	}{
		{"authorization_bearer", "", "Authorization", "Bearer " + secret, "Bearer [redacted …SECR]"},
		{"authorization_basic", "", "Authorization", "Basic " + secret, "Basic [redacted]"},
		{"x_api_key", "", "X-Api-Key", secret, "[redacted …SECR]"},
		{"azure_api_key", "", "Api-Key", secret, "[redacted …SECR]"},
		{"gemini_header", "", "X-Goog-Api-Key", secret, "[redacted …SECR]"},
		{"custom_token_header", "", "X-Portkey-Token", secret, "[redacted …SECR]"},
		{"cookie", "", "Cookie", "session=" + secret, "[redacted]"},
		{"gemini_query_key", "alt=sse&key=" + secret, "", "", ""},
		{"query_api_key", "api_key=" + url.QueryEscape(secret) + "&x=1", "", "", ""},
		{"query_api_dash_key", "API-KEY=" + secret, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tt.header != "" && r.Header.Get(tt.header) != tt.value {
					t.Errorf("upstream got %s: %q, want it untouched", tt.header, r.Header.Get(tt.header))
				}
				if tt.query != "" && r.URL.RawQuery != tt.query {
					t.Errorf("upstream got query %q, want %q", r.URL.RawQuery, tt.query)
				}
				// Some upstreams echo the key back in errors and headers.
				w.Header().Set("X-Echo", "key "+secret)
				w.Header().Set("Set-Cookie", "session="+secret)
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s"}}`, secret)
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

			u := px.URL + "/v1beta/models/gemini:generateContent"
			if tt.query != "" {
				u += "?" + tt.query
			}
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"note":"`+secret+`"}`))
			if tt.header != "" {
				req.Header.Set(tt.header, tt.value)
			}
			resp, body := do(t, newClient(t), req)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), secret) {
				t.Errorf("client got %d %q, want the upstream's 401 untouched", resp.StatusCode, body)
			}

			ex := rec.next(t)
			js, err := json.Marshal(ex)
			if err != nil {
				t.Fatalf("marshal exchange: %v", err)
			}
			// JSON shows bodies in base64, so add them as text.
			dump := string(js) + string(ex.ReqBody) + string(ex.RespBody) + fmt.Sprintf("%#v %#v %#v", *ex, ex.ReqHeader, ex.RespHeader)
			for _, s := range []string{secret, secret[8:], url.QueryEscape(secret)} {
				if strings.Contains(dump, s) {
					t.Errorf("exchange contains the key %q: %s", s, js)
				}
			}
			if tt.wantHeader != "" && ex.ReqHeader.Get(tt.header) != tt.wantHeader {
				t.Errorf("captured %s = %q, want %q", tt.header, ex.ReqHeader.Get(tt.header), tt.wantHeader)
			}
		})
	}
}
