package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app/access"
)

// TestCheckExposure runs the start-up check alone: nothing binds, so the addresses
// beyond loopback are only ever looked at.
func TestCheckExposure(t *testing.T) {
	const savedToken = "saved-token-0123456789"
	tests := []struct {
		name         string
		proxyAddr    string
		proxyToken   string
		uiAddr       string
		flagToken    string
		envToken     string
		settings     string // UIToken in the settings handed in
		wantErr      string // "" → no error
		wantExposed  bool   // the error wraps access.ErrExposed
		wantNewToken bool
		wantToken    string // c.UIToken after, when not new
	}{
		{name: "loopback", proxyAddr: "127.0.0.1:0", uiAddr: "127.0.0.1:0"},
		{name: "localhost", proxyAddr: "localhost:8780", uiAddr: "[::1]:8781"},
		{name: "proxy_exposed_no_token", proxyAddr: "0.0.0.0:8780", uiAddr: "127.0.0.1:0",
			wantErr: "--proxy-token", wantExposed: true},
		{name: "proxy_all_interfaces_no_host", proxyAddr: ":8780", uiAddr: "127.0.0.1:0",
			wantErr: "--proxy-token", wantExposed: true},
		{name: "proxy_exposed_with_token", proxyAddr: "0.0.0.0:8780", proxyToken: "p", uiAddr: "127.0.0.1:0"},
		{name: "ui_exposed_token_made", proxyAddr: "127.0.0.1:0", uiAddr: "0.0.0.0:8781", wantNewToken: true},
		{name: "ui_exposed_flag_token", proxyAddr: "127.0.0.1:0", uiAddr: "0.0.0.0:8781",
			flagToken: "flag-token-0123456789", settings: savedToken, wantToken: "flag-token-0123456789"},
		{name: "ui_exposed_env_token", proxyAddr: "127.0.0.1:0", uiAddr: "0.0.0.0:8781",
			envToken: "env-token-0123456789", settings: savedToken, wantToken: "env-token-0123456789"},
		{name: "ui_exposed_saved_token", proxyAddr: "127.0.0.1:0", uiAddr: "0.0.0.0:8781",
			settings: savedToken, wantToken: savedToken},
		{name: "ui_token_too_short", proxyAddr: "127.0.0.1:0", uiAddr: "127.0.0.1:0",
			flagToken: "short", wantErr: "--ui-token"},
		{name: "env_token_too_short", proxyAddr: "127.0.0.1:0", uiAddr: "127.0.0.1:0",
			envToken: "short", wantErr: "LLMTAP_UI_TOKEN"},
		{name: "saved_token_too_short", proxyAddr: "127.0.0.1:0", uiAddr: "127.0.0.1:0",
			settings: "short", wantErr: "settings.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LLMTAP_UI_TOKEN", tt.envToken)
			dir := filepath.Join(t.TempDir(), "data") // not made yet, as on a first start
			c := Config{ProxyAddr: tt.proxyAddr, ProxyToken: tt.proxyToken, UIToken: tt.flagToken, DataDir: dir}
			s := DefaultSettings()
			s.UIToken = tt.settings
			e, err := c.CheckExposure(tt.uiAddr, s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.Is(err, access.ErrExposed) != tt.wantExposed {
					t.Fatalf("CheckExposure = %v, want an error naming %q (exposed %v)", err, tt.wantErr, tt.wantExposed)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckExposure = %v, want no error", err)
			}
			if (e.NewUIToken != "") != tt.wantNewToken {
				t.Fatalf("CheckExposure made token %q, want one made: %v", e.NewUIToken, tt.wantNewToken)
			}
			if !tt.wantNewToken {
				if c.UIToken != tt.wantToken {
					t.Errorf("UIToken = %q, want %q", c.UIToken, tt.wantToken)
				}
				return
			}
			saved, err := LoadSettings(dir)
			if err != nil {
				t.Fatal(err)
			}
			if c.UIToken != e.NewUIToken || saved.UIToken != e.NewUIToken {
				t.Errorf("UIToken = %q, saved %q, want both %q", c.UIToken, saved.UIToken, e.NewUIToken)
			}
			if runtime.GOOS == "windows" {
				return
			}
			fi, err := os.Stat(filepath.Join(dir, SettingsFile))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("settings.json mode = %v, want 0600", fi.Mode().Perm())
			}
		})
	}
}

// TestServeUIRefusesExposedWithoutToken asks for a TEST-NET address (RFC 5737) that
// no machine has: even if the check were gone, nothing could bind beyond loopback.
func TestServeUIRefusesExposedWithoutToken(t *testing.T) {
	ta := startApp(t, "")
	_, err := ta.ServeUI("192.0.2.1:0", UIHandler(ta.APIHandler(), nil, false))
	if !errors.Is(err, access.ErrExposed) || !strings.Contains(err.Error(), "--ui-token") {
		t.Errorf("ServeUI(192.0.2.1:0) without a token = %v, want access.ErrExposed naming --ui-token", err)
	}
}
