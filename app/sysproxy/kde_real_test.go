package sysproxy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKDEForReal drives real kwriteconfig5/kreadconfig5 (Debian's libkf5config-bin) on a
// kioslaverc in a temp XDG_CONFIG_HOME, with the reload signal sent on a private D-Bus
// session: enable, check, crash, recover, check that the file says what it said
// before, keys it did not have included. The person's own settings are never touched.
func TestKDEForReal(t *testing.T) {
	if !inPrivateSession(t, "kwriteconfig5 kreadconfig5", "dbus, libkf5config-bin") {
		return
	}

	ctx := context.Background()
	rc := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "kioslaverc")
	// The person's settings: no proxy, a bypass list, and no httpProxy/httpsProxy keys.
	before := "[Proxy Settings]\nNoProxyFor=example.lan\nProxyType=0\n\n[Other]\nKeep=me\n"
	if err := os.WriteFile(rc, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	kde := KDE{Write: "kwriteconfig5", Read: "kreadconfig5"}
	read := func(key string) string {
		out, err := ExecRunner{}.Run(ctx, Command{Args: []string{"kreadconfig5", "--file", "kioslaverc",
			"--group", "Proxy Settings", "--key", key, "--default", "(none)"}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	dir := t.TempDir()
	if err := NewManager(kde, ExecRunner{}, dir).Enable(ctx, testProxy); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"ProxyType":  "1",
		"httpProxy":  "http://127.0.0.1 8780",
		"httpsProxy": "http://127.0.0.1 8780",
		"NoProxyFor": "localhost,127.0.0.1,::1,intranet.local",
	} {
		if got := read(key); got != want {
			t.Errorf("after Enable %s = %q, want %q", key, got, want)
		}
	}
	// A crash here: the next start recovers.
	restored, err := NewManager(kde, ExecRunner{}, dir).Recover(ctx)
	if err != nil || !restored {
		t.Fatalf("Recover = %v, %v", restored, err)
	}
	for key, want := range map[string]string{"ProxyType": "0", "NoProxyFor": "example.lan", "httpProxy": "(none)", "httpsProxy": "(none)"} {
		if got := read(key); got != want {
			t.Errorf("after Recover %s = %q, want %q", key, got, want)
		}
	}
	after, err := os.ReadFile(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(after), "[Other]\nKeep=me") || strings.Contains(string(after), "Proxy=") {
		t.Errorf("kioslaverc after Recover:\n%s\nwant it as before:\n%s", after, before)
	}
}
