package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProviderKinds checks, per provider kind, the URL a request reaches and the
// header that carries the pool key (and that the client's own key never does).
func TestProviderKinds(t *testing.T) {
	tests := []struct {
		name, kind, basePath, keys, models, alias string
		clientPath, body                          string
		wantPath, wantQuery                       string
		wantHeader, wantValue                     string
	}{
		{"openai", "openai", "/v1", "[pk]", "[gpt-x]", "", "/v1/chat/completions", `{"model":"gpt-x"}`,
			"/v1/chat/completions", "", "Authorization", "Bearer pk"},
		{"openai_responses", "openai", "/v1", "[pk]", "[gpt-x]", "", "/v1/responses", `{"model":"gpt-x"}`,
			"/v1/responses", "", "Authorization", "Bearer pk"},
		{"azure", "azure", "/openai/deployments/dep?api-version=2024-10-21", "[pk]", "[gpt-x]", "", "/v1/chat/completions", `{"model":"gpt-x"}`,
			"/openai/deployments/dep/chat/completions", "api-version=2024-10-21", "Api-Key", "pk"},
		{"anthropic_sdk_base", "anthropic", "", "[pk]", "[claude-x]", "", "/v1/messages", `{"model":"claude-x","max_tokens":1}`,
			"/v1/messages", "", "X-Api-Key", "pk"},
		{"gemini_alias_in_path", "gemini", "", "[pk]", "[gemini-2.5-flash]", "models:\n  flash: {use: [gemini-2.5-flash]}\n",
			"/v1beta/models/flash:streamGenerateContent?alt=sse", `{"contents":[]}`,
			"/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse", "X-Goog-Api-Key", "pk"},
		{"ollama_keyless", "ollama", "", "", "[qwen3:8b]", "", "/api/chat", `{"model":"qwen3:8b","stream":false}`,
			"/api/chat", "", "Authorization", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				got = r.Clone(r.Context())
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{}`)
			}))
			t.Cleanup(up.Close)
			yaml := "providers:\n  - name: p\n    kind: " + tt.kind + "\n    base_url: '" + up.URL + tt.basePath + "'\n    models: " + tt.models + "\n"
			if tt.keys != "" {
				yaml += "    keys: " + tt.keys + "\n"
			}
			_, srv := newTestGateway(t, yaml+tt.alias, Config{})
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tt.clientPath, strings.NewReader(tt.body))
			for _, h := range credentialHeaders {
				req.Header.Set(h, "client-key")
			}
			req.Header.Set("X-Llmtap-Cache", "on")
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || got == nil {
				t.Fatalf("status %d, upstream reached: %v", resp.StatusCode, got != nil)
			}
			if got.URL.Path != tt.wantPath || got.URL.RawQuery != tt.wantQuery {
				t.Errorf("upstream got %s?%s, want %s?%s", got.URL.Path, got.URL.RawQuery, tt.wantPath, tt.wantQuery)
			}
			if v := got.Header.Get(tt.wantHeader); v != tt.wantValue {
				t.Errorf("upstream %s = %q, want %q", tt.wantHeader, v, tt.wantValue)
			}
			for _, h := range credentialHeaders {
				if strings.Contains(got.Header.Get(h), "client-key") {
					t.Errorf("the client's key reached the provider in %s", h)
				}
			}
			if got.Header.Get("X-Llmtap-Cache") != "" || got.Header.Get("Accept-Encoding") != "identity" {
				t.Errorf("upstream got X-Llmtap-Cache %q, Accept-Encoding %q; want none and identity",
					got.Header.Get("X-Llmtap-Cache"), got.Header.Get("Accept-Encoding"))
			}
			if tt.kind == "anthropic" && got.Header.Get("Anthropic-Version") == "" {
				t.Errorf("anthropic-version missing")
			}
		})
	}
}
