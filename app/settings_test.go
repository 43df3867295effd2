package app

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/autostart"
)

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*Settings)
		wantField string
	}{
		{"defaults_are_valid", func(*Settings) {}, ""},
		{"addr_without_port", func(s *Settings) { s.ProxyAddr = "127.0.0.1" }, "proxyAddr"},
		{"port_out_of_range", func(s *Settings) { s.UIAddr = "127.0.0.1:70000" }, "uiAddr"},
		{"host_name_not_allowed", func(s *Settings) { s.ProxyAddr = "example.com:8780" }, "proxyAddr"},
		{"target_bad_scheme", func(s *Settings) { s.Target = "ftp://x" }, "target"},
		{"route_bad_url", func(s *Settings) { s.Routes = map[string]string{"local": "not a url"} }, "routes.local"},
		{"capture_host_with_path", func(s *Settings) { s.CaptureHosts = []string{"http://127.0.0.1:5000/v1"} }, "captureHosts.0"},
		{"system_proxy_needs_mitm", func(s *Settings) { s.SystemProxy = true }, "systemProxy"},
		{"bad_export_format", func(s *Settings) { s.Export.Format = "csv" }, "export.format"},
		{"bad_export_system", func(s *Settings) { s.Export.System = "top" }, "export.system"},
		{"probe_without_slash", func(s *Settings) { s.ProbePaths = []string{"/.env", "wp-login.php"} }, "probePaths.1"},
		{"ui_token_too_short", func(s *Settings) { s.UIToken = "short" }, "uiToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.change(&s)
			bad := s.Validate()
			if tt.wantField == "" {
				if bad != nil {
					t.Errorf("Validate() = %v, want nothing wrong", bad)
				}
				return
			}
			if bad[tt.wantField] == "" || len(bad) != 1 {
				t.Errorf("Validate() = %v, want exactly a message for %s", bad, tt.wantField)
			}
		})
	}
}

func TestSettingsFileAndFlags(t *testing.T) {
	dir := t.TempDir()
	s, err := LoadSettings(dir)
	if err != nil || !cmp.Equal(s, DefaultSettings()) {
		t.Fatalf("LoadSettings(empty) = %+v, %v; want the defaults", s, err)
	}
	s.Target, s.MITM, s.ProxyAddr = "http://127.0.0.1:11434", true, "127.0.0.1:9999"
	if err := SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, ProxyAddr: "127.0.0.1:7777"}
	if _, err := cfg.UseSettings(map[string]bool{"listen": true}); err != nil {
		t.Fatal(err)
	}
	if cfg.ProxyAddr != "127.0.0.1:7777" || cfg.Target != s.Target || !cfg.MITM {
		t.Errorf("UseSettings with --listen given = %+v; want the flag's address and the saved target and MITM", cfg)
	}
	bad := s
	bad.Target = "ftp://x"
	if err := SaveSettings(dir, bad); err == nil {
		t.Error("SaveSettings(bad) = nil, want an error")
	}
	if got, _ := LoadSettings(dir); got.Target != s.Target {
		t.Errorf("after a refused save target = %q, want %q kept", got.Target, s.Target)
	}
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{broken"), 0o600)
	if _, err := LoadSettings(dir); err == nil {
		t.Error("LoadSettings(corrupt) = nil, want an error")
	}
}

func TestSettingsAPI(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	entry, err := autostart.For("linux", "/usr/bin/llmtap-desktop", "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ta.cfg.Autostart = &entry
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	put := func(s Settings) (int, map[string]any) {
		b, _ := json.Marshal(s)
		req, _ := http.NewRequest("PUT", ta.api.URL+"/api/settings", bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	tests := []struct {
		name      string
		change    func(*Settings)
		wantCode  int
		wantField string
	}{
		{"bad_value_not_saved", func(s *Settings) { s.Routes = map[string]string{"x": "nope"} }, 400, "routes.x"},
		{"port_in_use_reported", func(s *Settings) { s.ProxyAddr = busy.Addr().String() }, 400, "proxyAddr"},
		{"good_values_saved", func(s *Settings) { s.Target = "http://127.0.0.1:5000"; s.StartAtLogin = true }, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			s.ProxyAddr = ta.ProxyAddr()
			tt.change(&s)
			code, body := put(s)
			if code != tt.wantCode {
				t.Fatalf("PUT /api/settings = %d %v, want %d", code, body, tt.wantCode)
			}
			if tt.wantField != "" {
				fields, _ := body["fields"].(map[string]any)
				if fields[tt.wantField] == nil {
					t.Errorf("PUT /api/settings fields = %v, want a message for %s", body["fields"], tt.wantField)
				}
				if _, err := os.Stat(filepath.Join(ta.DataDir(), SettingsFile)); err == nil && tt.name == "bad_value_not_saved" {
					t.Error("settings file written although a value was bad")
				}
			}
		})
	}
	var st SettingsState
	ta.getJSON(t, "/api/settings", &st)
	if st.Settings.Target != "http://127.0.0.1:5000" || st.RestartNeeded || !st.Settings.StartAtLogin || !entry.Enabled(t.Context()) ||
		ta.proxy.Target() != "http://127.0.0.1:5000/" {
		t.Errorf("GET /api/settings = %+v, proxy target %q; want the saved target applied at once (no restart), "+
			"and start at login in place", st, ta.proxy.Target())
	}
}

// TestSettingsAPIKeepsUIToken checks that the window never reads the UI token and
// that saving the form (which cannot send it back) keeps it.
func TestSettingsAPIKeepsUIToken(t *testing.T) {
	const token = "ui-token-0123456789abcdef"
	ta := startApp(t, "")
	s := DefaultSettings()
	s.UIToken = token
	if err := SaveSettings(ta.DataDir(), s); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(ta.api.URL + "/api/settings")
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	resp.Body.Close()
	if bytes.Contains(raw.Bytes(), []byte(token)) || bytes.Contains(raw.Bytes(), []byte("uiToken")) {
		t.Errorf("GET /api/settings = %s, want no UI token in it", raw.Bytes())
	}
	var st SettingsState
	if err := json.Unmarshal(raw.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	st.Settings.Target = "http://127.0.0.1:11434"
	b, _ := json.Marshal(st.Settings)
	req, _ := http.NewRequest("PUT", ta.api.URL+"/api/settings", bytes.NewReader(b))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/settings = %d, want 200", resp.StatusCode)
	}
	saved, err := LoadSettings(ta.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if saved.UIToken != token || saved.Target != st.Settings.Target {
		t.Errorf("saved settings: token %q, target %q; want %q, %q", saved.UIToken, saved.Target, token, st.Settings.Target)
	}
}
