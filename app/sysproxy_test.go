package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmtap/llmtap/app/sysproxy"
)

// fakeSettings stands in for gsettings: get prints a value, set stores one.
type fakeSettings struct {
	mu     sync.Mutex
	values map[string]string
}

func (f *fakeSettings) Run(_ context.Context, c sysproxy.Command) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := c.Args[2] + " " + c.Args[3]
	if c.Args[1] == "set" {
		f.values[key] = c.Args[4]
		return "", nil
	}
	if v, ok := f.values[key]; ok {
		return v + "\n", nil
	}
	return "''\n", nil
}

func (f *fakeSettings) mode() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.values["org.gnome.system.proxy mode"]
}

func openWithSettings(t *testing.T, dir string, mitm bool, f *fakeSettings) *App {
	t.Helper()
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, MITM: mitm,
		SystemProxy: sysproxy.Gnome{}, SystemProxyRunner: f})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	return a
}

func shutdownNow(t *testing.T, a *App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSystemProxy(t *testing.T) {
	ctx := context.Background()
	t.Run("needs_mitm", func(t *testing.T) {
		f := &fakeSettings{values: map[string]string{"org.gnome.system.proxy mode": "'none'"}}
		a := openWithSettings(t, t.TempDir(), false, f)
		defer shutdownNow(t, a)
		if st := a.SystemProxy(); st.Supported || !strings.Contains(st.Reason, "--mitm") {
			t.Errorf("SystemProxy() = %+v, want unsupported with a reason naming --mitm", st)
		}
		if err := a.SetSystemProxy(ctx, true); err == nil || f.mode() != "'none'" {
			t.Errorf("SetSystemProxy(on) without MITM = %v, mode %s; want an error and no change", err, f.mode())
		}
	})
	t.Run("on_then_quit_restores", func(t *testing.T) {
		f := &fakeSettings{values: map[string]string{"org.gnome.system.proxy mode": "'none'"}}
		a := openWithSettings(t, t.TempDir(), true, f)
		if err := a.SetSystemProxy(ctx, true); err != nil {
			t.Fatal(err)
		}
		if st := a.SystemProxy(); !st.Enabled || f.mode() != "'manual'" {
			t.Errorf("after on: %+v, mode %s; want enabled and 'manual'", st, f.mode())
		}
		shutdownNow(t, a)
		if f.mode() != "'none'" {
			t.Errorf("after quit mode = %s, want 'none' back", f.mode())
		}
	})
	t.Run("flag_turns_it_on_at_listen", func(t *testing.T) {
		f := &fakeSettings{values: map[string]string{"org.gnome.system.proxy mode": "'none'"}}
		a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir(), MITM: true,
			SystemProxy: sysproxy.Gnome{}, SystemProxyRunner: f, SystemProxyOn: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ListenProxy(); err != nil {
			t.Fatal(err)
		}
		port := a.ProxyAddr()[strings.LastIndex(a.ProxyAddr(), ":")+1:]
		if f.mode() != "'manual'" || f.values["org.gnome.system.proxy.http port"] != port {
			t.Errorf("after ListenProxy mode %s port %s, want 'manual' and the bound port %s", f.mode(), f.values["org.gnome.system.proxy.http port"], port)
		}
		shutdownNow(t, a)
		if f.mode() != "'none'" {
			t.Errorf("after quit mode = %s, want 'none'", f.mode())
		}
	})
	t.Run("restores_after_crash_at_next_start", func(t *testing.T) {
		dir := t.TempDir()
		f := &fakeSettings{values: map[string]string{"org.gnome.system.proxy mode": "'auto'"}}
		// A previous run saved the settings and pointed the system at itself, then died.
		m := sysproxy.NewManager(sysproxy.Gnome{}, f, dir)
		if err := m.Enable(ctx, sysproxy.Proxy{Host: "127.0.0.1", Port: 8780}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, sysproxy.SavedFile)); err != nil {
			t.Fatal(err)
		}
		a := openWithSettings(t, dir, true, f)
		defer shutdownNow(t, a)
		if f.mode() != "'auto'" || a.SystemProxy().Enabled {
			t.Errorf("after the next start mode = %s, enabled %v; want 'auto' restored", f.mode(), a.SystemProxy().Enabled)
		}
	})
}
