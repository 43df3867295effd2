package providerfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// gnomeKeyring starts a real gnome-keyring-daemon (secrets only) on a private bus,
// its login keyring created and unlocked with a password given on stdin, its files
// in a temp home. It skips without the daemon, except in CI (scripts/test sets
// CI=true and scripts/setup --test installs it), where that fails.
func gnomeKeyring(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gnome-keyring-daemon not found: scripts/setup --test installs it (Debian package gnome-keyring)")
		}
		t.Skip("gnome-keyring-daemon not found: install the Debian package gnome-keyring (scripts/setup --test does)")
	}
	addr := privateBus(t)
	home := t.TempDir()
	// The daemon's control socket goes under XDG_RUNTIME_DIR: a short folder of its
	// own keeps that path under a socket's 108 bytes, whatever the test's name.
	run, err := os.MkdirTemp("", "gk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(run) })

	// Watch for the daemon taking the Secret Service's name: that is when it answers.
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, ssName)); err != nil {
		t.Fatal(err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)

	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Stdin = strings.NewReader("llmtap-test-password")
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "HOME="+home,
		"XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_RUNTIME_DIR="+run)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case s := <-signals:
			if len(s.Body) == 3 && s.Body[0] == ssName && s.Body[2] != "" {
				return
			}
		case err := <-exited:
			t.Fatalf("gnome-keyring-daemon exited: %v\n%s", err, stderr.String())
		case <-deadline.C:
			t.Fatalf("gnome-keyring-daemon did not take %s in 30s\n%s", ssName, stderr.String())
		}
	}
}

// TestSystemKeychainGnomeKeyring keeps a key in a real gnome-keyring through System:
// stored, read back, resolved as ${keychain:NAME}, replaced, deleted.
func TestSystemKeychainGnomeKeyring(t *testing.T) {
	gnomeKeyring(t)
	kc := NewSystem()
	if !kc.Available() {
		_, err := kc.open()
		t.Fatalf("no keychain with gnome-keyring running: %v", err)
	}
	const name = "groq-1"
	steps := []struct {
		name string
		do   func() error
		want string // what Get and Getenv give after the step; "" for none
	}{
		{"missing", func() error { return nil }, ""},
		{"set", func() error { return kc.Set(name, "gsk-kept-in-gnome-keyring-0001") }, "gsk-kept-in-gnome-keyring-0001"},
		{"replace", func() error { return kc.Set(name, "gsk-replaced-ключ-0002") }, "gsk-replaced-ключ-0002"},
		{"delete", func() error { return kc.Delete(name) }, ""},
		{"delete_again", func() error { return kc.Delete(name) }, ""},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := kc.Get(name)
		if st.want == "" && err != ErrNoSecret || st.want != "" && (err != nil || got != st.want) {
			t.Errorf("after %s: Get(%q) = %q, %v; want %q", st.name, name, got, err, st.want)
		}
		if got := Getenv(kc, nil)("keychain:" + name); got != st.want {
			t.Errorf("after %s: Getenv(keychain:%s) = %q, want %q", st.name, name, got, st.want)
		}
	}
}

// llmtapItems reads every llmtap item kc's Secret Service holds, by name.
func llmtapItems(t *testing.T, kc *System) map[string]string {
	t.Helper()
	ss, err := kc.open()
	if err != nil {
		t.Fatal(err)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var unlocked, locked []dbus.ObjectPath
	if err := ss.conn.Object(ssName, ssPath).Call(ssService+".SearchItems", 0, map[string]string{"application": "llmtap"}).Store(&unlocked, &locked); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, item := range unlocked {
		obj := ss.conn.Object(ssName, item)
		v, err := obj.GetProperty(ssItem + ".Attributes")
		if err != nil {
			t.Fatal(err)
		}
		var sec ssSecret
		if err := obj.Call(ssItem+".GetSecret", 0, ss.session).Store(&sec); err != nil {
			t.Fatal(err)
		}
		out[v.Value().(map[string]string)["name"]] = string(sec.Value)
	}
	if len(locked) > 0 {
		t.Fatalf("locked llmtap items: %v", locked)
	}
	return out
}
