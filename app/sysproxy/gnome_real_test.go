package sysproxy

import (
	"context"
	"strings"
	"testing"
)

// TestGnomeForReal drives real gsettings with a real dconf behind a private D-Bus
// session: enable, check, crash, recover, check. It re-runs itself under
// dbus-run-session with XDG_CONFIG_HOME in a temp folder, so the person's own
// settings are never touched.
func TestGnomeForReal(t *testing.T) {
	if !inPrivateSession(t, "gsettings", "dbus, libglib2.0-bin, dconf-gsettings-backend", "GSETTINGS_BACKEND=dconf") {
		return
	}

	ctx := context.Background()
	get := func(schema, key string) string {
		out, err := ExecRunner{}.Run(ctx, Command{Args: []string{"gsettings", "get", schema, key}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	beforeMode, beforeHosts := get("org.gnome.system.proxy", "mode"), get("org.gnome.system.proxy", "ignore-hosts")
	dir := t.TempDir()
	if err := NewManager(Gnome{}, ExecRunner{}, dir).Enable(ctx, testProxy); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ schema, key, want string }{
		{"org.gnome.system.proxy", "mode", "'manual'"},
		{"org.gnome.system.proxy.http", "host", "'127.0.0.1'"},
		{"org.gnome.system.proxy.https", "port", "8780"},
		{"org.gnome.system.proxy", "ignore-hosts", "['localhost', '127.0.0.1', '::1', 'intranet.local']"},
	} {
		if got := get(c.schema, c.key); got != c.want {
			t.Errorf("after Enable %s %s = %s, want %s", c.schema, c.key, got, c.want)
		}
	}
	// A crash here: the next start recovers.
	restored, err := NewManager(Gnome{}, ExecRunner{}, dir).Recover(ctx)
	if err != nil || !restored {
		t.Fatalf("Recover = %v, %v", restored, err)
	}
	if mode, hosts := get("org.gnome.system.proxy", "mode"), get("org.gnome.system.proxy", "ignore-hosts"); mode != beforeMode || hosts != beforeHosts {
		t.Errorf("after Recover mode %s hosts %s, want %s %s", mode, hosts, beforeMode, beforeHosts)
	}
}
