package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// TestAuthConversion sends each request through the proxy to an upstream that
// accepts only the header its dialect expects, and checks the captured copy keeps
// no key.
func TestAuthConversion(t *testing.T) {
	const key = "sk-test-0123456789abcdefghijklmnop"
	tests := []struct {
		name   string
		path   string
		header map[string]string
		// want are the headers the upstream must see; absent lists those it must not.
		want   map[string]string
		absent []string
	}{
		{"anthropic_bearer", "/v1/messages", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"X-Api-Key": key, "Anthropic-Version": "2023-06-01"}, []string{"Authorization"}},
		{"anthropic_keeps_version", "/v1/messages", map[string]string{"Authorization": "Bearer " + key, "Anthropic-Version": "2024-01-01"},
			map[string]string{"X-Api-Key": key, "Anthropic-Version": "2024-01-01"}, []string{"Authorization"}},
		{"anthropic_count_tokens", "/v1/messages/count_tokens", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"X-Api-Key": key}, []string{"Authorization"}},
		{"moonshot_anthropic", "/anthropic/v1/messages", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"X-Api-Key": key}, []string{"Authorization"}},
		{"anthropic_client_key_wins", "/v1/messages", map[string]string{"Authorization": "Bearer other-token-000000000000", "X-Api-Key": key},
			map[string]string{"X-Api-Key": key, "Authorization": "Bearer other-token-000000000000"}, nil},
		{"anthropic_oauth_stays", "/v1/messages", map[string]string{"Authorization": "Bearer sk-ant-oat01-abcdefghijklmnopqrstuvwxyz"},
			map[string]string{"Authorization": "Bearer sk-ant-oat01-abcdefghijklmnopqrstuvwxyz"}, []string{"X-Api-Key"}},
		{"gemini_bearer", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"X-Goog-Api-Key": key}, []string{"Authorization"}},
		{"gemini_client_key_wins", "/v1beta/models/gemini-2.5-flash:generateContent", map[string]string{"Authorization": "Bearer " + key, "X-Goog-Api-Key": "goog-own-key-1234567890"},
			map[string]string{"X-Goog-Api-Key": "goog-own-key-1234567890", "Authorization": "Bearer " + key}, nil},
		{"gemini_query_key_wins", "/v1beta/models/gemini-2.5-flash:generateContent?key=AIzaOwnKey1234567890", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"Authorization": "Bearer " + key}, []string{"X-Goog-Api-Key"}},
		{"vertex_oauth_stays", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"Authorization": "Bearer " + key}, []string{"X-Goog-Api-Key"}},
		{"openai_untouched", "/v1/chat/completions", map[string]string{"Authorization": "Bearer " + key},
			map[string]string{"Authorization": "Bearer " + key}, []string{"X-Api-Key", "X-Goog-Api-Key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.want {
					if got := r.Header.Get(k); got != v {
						http.Error(w, "header "+k+" = "+got+", want "+v, http.StatusUnauthorized)
						return
					}
				}
				for _, k := range tt.absent {
					if got := r.Header.Get(k); got != "" {
						http.Error(w, "header "+k+" = "+got+", want none", http.StatusUnauthorized)
						return
					}
				}
				_, _ = w.Write([]byte(`{}`))
			}))
			t.Cleanup(up.Close)
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, px.URL+tt.path, strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("POST %s = %d %s, want 200", tt.path, resp.StatusCode, b)
			}
			ex := rec.next(t)
			for k, vs := range ex.ReqHeader {
				for _, v := range vs {
					if strings.Contains(v, key) || strings.Contains(v, "goog-own-key-1234567890") {
						t.Errorf("captured header %s = %q, holds the key", k, v)
					}
				}
			}
		})
	}
}
