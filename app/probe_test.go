package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestProbesRefusedThroughApp sends scanner probes and a chat through the real app:
// the probes are counted in /api/status and never stored, and a list saved in the
// settings applies at once.
func TestProbesRefusedThroughApp(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(ta.proxyURL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name        string
		probes      []string // saved in the settings first; nil keeps the current list
		path        string
		wantCode    int
		wantRefused int64 // the counter after the request
	}{
		{"dot_env", nil, "/.env", http.StatusNotFound, 1},
		{"wp_login", nil, "/wp-login.php", http.StatusNotFound, 2},
		{"git_config", nil, "/.git/config", http.StatusNotFound, 3},
		{"actuator", nil, "/actuator/env", http.StatusNotFound, 4},
		// fakeOpenAI refuses a GET without its key with 401: forwarded, not refused.
		{"custom_list_frees_dot_env", []string{"/custom-panel"}, "/.env", http.StatusUnauthorized, 4},
		{"custom_list_refuses", nil, "/custom-panel", http.StatusNotFound, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.probes != nil {
				s := DefaultSettings()
				s.ProxyAddr = ta.ProxyAddr()
				s.ProbePaths = tt.probes
				b, _ := json.Marshal(s)
				req, _ := http.NewRequest(http.MethodPut, ta.api.URL+"/api/settings", bytes.NewReader(b))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("PUT /api/settings = %d, want 200", resp.StatusCode)
				}
			}
			if got := get(tt.path); got != tt.wantCode {
				t.Errorf("GET %s = %d, want %d", tt.path, got, tt.wantCode)
			}
			var st Status
			ta.getJSON(t, "/api/status", &st)
			if st.ProbesRefused != tt.wantRefused {
				t.Errorf("probesRefused = %d, want %d", st.ProbesRefused, tt.wantRefused)
			}
		})
	}
	ta.chat(t, false, "hello")
	ta.wait(t, 2) // the freed /.env, then the chat
	var st Status
	ta.getJSON(t, "/api/status", &st)
	if st.Exchanges != 2 {
		t.Errorf("exchanges = %d, want 2: no refused probe is stored", st.Exchanges)
	}
}
