package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGatewayFromDataFolder: a providers.yaml in the data folder routes requests by
// model without --target, with the provider's key from the file (the client's
// own key is a stand-in), and GET /api/providers and /metrics report it.
func TestGatewayFromDataFolder(t *testing.T) {
	up := fakeOpenAI(t)
	dir := t.TempDir()
	t.Setenv("LLMTAP_TEST_POOL_KEY", testKey)
	yaml := "providers:\n  - name: fake\n    kind: openai\n    base_url: " + up.URL + "/v1\n" +
		"    keys: [\"${LLMTAP_TEST_POOL_KEY}\"]\n    models: [gpt-test]\n"
	if err := os.WriteFile(filepath.Join(dir, ProvidersFile), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(UIHandler(a.APIHandler(), nil, false))
	t.Cleanup(func() {
		api.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://"+a.ProxyAddr()+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer not-the-real-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Llmtap-Provider") != "fake" || !strings.Contains(string(body), "answer 1") {
		t.Fatalf("routed chat = %d via %q: %s", resp.StatusCode, resp.Header.Get("X-Llmtap-Provider"), body)
	}
	for path, want := range map[string]string{
		"/api/providers": `"name":"fake"`,
		"/metrics":       `llmtap_gateway_requests_total{provider="fake",key="1"} 1`,
	} {
		r, err := http.Get(api.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d %s, want %s", path, r.StatusCode, b, want)
		}
		if strings.Contains(string(b), testKey) {
			t.Errorf("GET %s shows the provider key", path)
		}
	}
}

func TestGatewayFlagFileMustLoad(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(bad, []byte("providers:\n  - name: a\n    kind: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir(), Providers: bad})
	if err == nil || !strings.Contains(err.Error(), "line 3: providers[0].kind") {
		t.Fatalf("Open with a bad --providers file = %v, want the line and field", err)
	}
}
