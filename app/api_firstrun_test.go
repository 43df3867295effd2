package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFirstRunAPI walks a first run through the API: nothing routes, a chat request
// gets a 404 that shows up in /api/problems and the status, then picking a preset
// (with its base URL overridden to a fake upstream) sets the target live, the same
// request is captured, and the saved settings keep the target.
func TestFirstRunAPI(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, "")

	var ps Presets
	if code := ta.getJSON(t, "/api/presets", &ps); code != 200 || ps.Target != "" || len(ps.Presets) < 14 {
		t.Fatalf("GET /api/presets = %d, target %q, %d presets", code, ps.Target, len(ps.Presets))
	}
	for _, p := range ps.Presets {
		if !strings.HasPrefix(p.BaseURL, ta.proxyURL) || len(p.Clients) != 4 {
			t.Errorf("preset %s: base URL %q, %d clients; want the proxy's address and 4", p.ID, p.BaseURL, len(p.Clients))
		}
	}

	ta.chatStatus(t, 404)
	var pr Problems
	ta.getJSON(t, "/api/problems", &pr)
	if pr.Total != 1 || len(pr.Items) != 1 || pr.Items[0].Path != "/v1/chat/completions" || pr.Items[0].Kind != "no_target" {
		t.Errorf("GET /api/problems = %+v, want the one chat request, kind no_target", pr)
	}
	var st Status
	if ta.getJSON(t, "/api/status", &st); st.Unroutable != 1 || st.Target != "" {
		t.Errorf("status unroutable %d target %q, want 1 and none", st.Unroutable, st.Target)
	}

	tests := []struct {
		name, body string
		wantCode   int
		wantIn     string
	}{
		{"bad_scheme", `{"target":"ftp://x"}`, 400, "scheme must be http or https"},
		{"unknown_field", `{"url":"http://x"}`, 400, "unknown field"},
		{"fake_upstream", `{"target":"` + up.URL + `"}`, 200, `"target":"` + up.URL + `/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ta.do(t, "PUT", "/api/target", tt.body)
			if code != tt.wantCode || !strings.Contains(body, tt.wantIn) {
				t.Errorf("PUT /api/target %s = %d %s, want %d containing %s", tt.body, code, body, tt.wantCode, tt.wantIn)
			}
		})
	}
	ta.chatStatus(t, 200)
	ta.wait(t, 1)
	s, err := LoadSettings(ta.cfg.DataDir)
	if err != nil || s.Target != up.URL {
		t.Errorf("saved target = %q (%v), want %q", s.Target, err, up.URL)
	}
	// A preset's target names it.
	code, body := ta.do(t, "PUT", "/api/target", `{"target":"http://127.0.0.1:11434"}`)
	if err := json.Unmarshal([]byte(body), &ps); code != 200 || err != nil || ps.Current != "ollama" {
		t.Errorf("PUT ollama's target = %d, current %q (%v), want ollama", code, ps.Current, err)
	}
}

// chatStatus sends a chat request through the proxy and checks its status.
func (ta *testApp) chatStatus(t *testing.T, want int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("chat through the proxy = %d %s, want %d", resp.StatusCode, b, want)
	}
}
