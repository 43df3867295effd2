package sysproxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testProxy = Proxy{Host: "127.0.0.1", Port: 8780, Bypass: []string{"intranet.local"}}

func args(cmds []Command) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.String()
	}
	return out
}

func TestCommands(t *testing.T) {
	macSaved := Saved{Values: map[string]string{
		"services":                "Wi-Fi\nUSB 10/100 LAN",
		"Wi-Fi|web.enabled":       "Yes",
		"Wi-Fi|web.server":        "corp-proxy",
		"Wi-Fi|web.port":          "3128",
		"Wi-Fi|secureweb.enabled": "No",
		"Wi-Fi|bypass":            "*.local\n169.254/16",
	}}
	tests := []struct {
		name    string
		backend Backend
		saved   Saved
		enable  []string
		restore []string
	}{
		{
			name: "gnome", backend: Gnome{},
			saved: Saved{Values: map[string]string{"org.gnome.system.proxy mode": "'none'", "org.gnome.system.proxy.http port": "8080"}},
			enable: []string{
				`gsettings set org.gnome.system.proxy.http host ''\''127.0.0.1'\'''`,
				"gsettings set org.gnome.system.proxy.http port 8780",
				`gsettings set org.gnome.system.proxy.https host ''\''127.0.0.1'\'''`,
				"gsettings set org.gnome.system.proxy.https port 8780",
				`gsettings set org.gnome.system.proxy ignore-hosts '['\''localhost'\'', '\''127.0.0.1'\'', '\''::1'\'', '\''intranet.local'\'']'`,
				`gsettings set org.gnome.system.proxy mode ''\''manual'\'''`,
			},
			restore: []string{
				`gsettings set org.gnome.system.proxy mode ''\''none'\'''`,
				"gsettings set org.gnome.system.proxy.http port 8080",
			},
		},
		{
			name: "kde", backend: KDE{Write: "kwriteconfig6", Read: "kreadconfig6"},
			// httpsProxy was set but empty; NoProxyFor was not there at all.
			saved: Saved{Values: map[string]string{"ProxyType": "0", "httpProxy": "", "httpsProxy": ""}},
			enable: []string{
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key httpProxy 'http://127.0.0.1 8780'",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key httpsProxy 'http://127.0.0.1 8780'",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key NoProxyFor localhost,127.0.0.1,::1,intranet.local",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key ProxyType 1",
				"dbus-send --type=signal /KIO/Scheduler org.kde.KIO.Scheduler.reparseSlaveConfiguration string:",
			},
			restore: []string{
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key ProxyType 0",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key httpProxy ''",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key httpsProxy ''",
				"kwriteconfig6 --file kioslaverc --group 'Proxy Settings' --key NoProxyFor --delete ''",
				"dbus-send --type=signal /KIO/Scheduler org.kde.KIO.Scheduler.reparseSlaveConfiguration string:",
			},
		},
		{
			name: "macos", backend: MacOS{}, saved: macSaved,
			enable: []string{
				"networksetup -setwebproxy Wi-Fi 127.0.0.1 8780",
				"networksetup -setsecurewebproxy Wi-Fi 127.0.0.1 8780",
				"networksetup -setproxybypassdomains Wi-Fi localhost 127.0.0.1 ::1 intranet.local",
				"networksetup -setwebproxy 'USB 10/100 LAN' 127.0.0.1 8780",
				"networksetup -setsecurewebproxy 'USB 10/100 LAN' 127.0.0.1 8780",
				"networksetup -setproxybypassdomains 'USB 10/100 LAN' localhost 127.0.0.1 ::1 intranet.local",
			},
			restore: []string{
				"networksetup -setwebproxy Wi-Fi corp-proxy 3128",
				"networksetup -setwebproxystate Wi-Fi on",
				"networksetup -setsecurewebproxystate Wi-Fi off",
				"networksetup -setproxybypassdomains Wi-Fi '*.local' 169.254/16",
				"networksetup -setwebproxystate 'USB 10/100 LAN' off",
				"networksetup -setsecurewebproxystate 'USB 10/100 LAN' off",
				"networksetup -setproxybypassdomains 'USB 10/100 LAN' Empty",
			},
		},
		{
			name: "windows", backend: Windows{},
			saved: Saved{Values: map[string]string{"ProxyEnable": "0"}},
			enable: []string{
				`reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyServer /t REG_SZ /d 127.0.0.1:8780 /f`,
				`reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyOverride /t REG_SZ /d 'localhost;127.0.0.1;::1;intranet.local;<local>' /f`,
				`reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyEnable /t REG_DWORD /d 1 /f`,
			},
			restore: []string{
				`reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyEnable /t REG_DWORD /d 0 /f`,
				`reg delete 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyServer /f`,
				`reg delete 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings' /v ProxyOverride /f`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.enable, args(tt.backend.EnableCommands(testProxy, tt.saved))); diff != "" {
				t.Errorf("EnableCommands (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.restore, args(tt.backend.RestoreCommands(tt.saved))); diff != "" {
				t.Errorf("RestoreCommands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsers(t *testing.T) {
	services := parseServices("An asterisk (*) denotes that a network service is disabled.\nWi-Fi\n*Bluetooth PAN\nThunderbolt Bridge\n")
	if diff := cmp.Diff([]string{"Wi-Fi", "Thunderbolt Bridge"}, services); diff != "" {
		t.Errorf("parseServices (-want +got):\n%s", diff)
	}
	info := parseProxyInfo("Enabled: Yes\nServer: proxy.corp\nPort: 3128\nAuthenticated Proxy Enabled: 0\n")
	if diff := cmp.Diff(map[string]string{"enabled": "Yes", "server": "proxy.corp", "port": "3128"}, info); diff != "" {
		t.Errorf("parseProxyInfo (-want +got):\n%s", diff)
	}
	if got := parseBypass("There aren't any bypass domains set on Wi-Fi.\n"); got != nil {
		t.Errorf("parseBypass(none) = %q, want nil", got)
	}
	tests := []struct {
		name, out, value string
		want             string
		ok               bool
	}{
		{"dword_hex_to_decimal", "\r\nHKEY_CURRENT_USER\\Software\\...\r\n    ProxyEnable    REG_DWORD    0x1\r\n", "ProxyEnable", "1", true},
		{"string_with_spaces", "    ProxyOverride    REG_SZ    a;b c\r\n", "ProxyOverride", "a;b c", true},
		{"empty_string", "    ProxyServer    REG_SZ\r\n", "ProxyServer", "", true},
		{"missing", "ERROR: The system was unable to find the specified registry key or value.", "ProxyServer", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRegValue(tt.out, tt.value)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRegValue(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	tests := []struct {
		name, goos, desktop string
		has                 func(string) bool
		want                string
		wantErr             bool
	}{
		{"mac", "darwin", "", none, "macOS", false},
		{"windows", "windows", "", none, "Windows", false},
		{"gnome", "linux", "ubuntu:GNOME", all, "GNOME", false},
		{"kde", "linux", "KDE", all, "KDE", false},
		{"gnome_without_gsettings", "linux", "GNOME", none, "", true},
		{"unknown_desktop", "linux", "Hyprland", all, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Detect(tt.goos, tt.desktop, tt.has)
			if tt.wantErr {
				if !errors.Is(err, ErrUnsupported) {
					t.Errorf("Detect(%s, %q) error = %v, want ErrUnsupported", tt.goos, tt.desktop, err)
				}
				return
			}
			if err != nil || b.Name() != tt.want {
				t.Errorf("Detect(%s, %q) = %v, %v; want %s", tt.goos, tt.desktop, b, err, tt.want)
			}
		})
	}
}

// fakeOS is a settings store behind gsettings-like commands: get prints a value,
// set stores one. failOn makes a command containing that text fail.
type fakeOS struct {
	values map[string]string
	ran    []string
	failOn string
}

func (f *fakeOS) Run(_ context.Context, c Command) (string, error) {
	f.ran = append(f.ran, c.String())
	if f.failOn != "" && strings.Contains(strings.Join(c.Args, " "), f.failOn) {
		return "", errors.New("boom")
	}
	key := c.Args[2] + " " + c.Args[3]
	switch c.Args[1] {
	case "get":
		return f.values[key] + "\n", nil
	case "set":
		f.values[key] = c.Args[4]
	}
	return "", nil
}

func newFakeOS() *fakeOS {
	return &fakeOS{values: map[string]string{
		"org.gnome.system.proxy mode":         "'auto'",
		"org.gnome.system.proxy ignore-hosts": "['localhost']",
		"org.gnome.system.proxy.http host":    "'corp'",
		"org.gnome.system.proxy.http port":    "3128",
		"org.gnome.system.proxy.https host":   "''",
		"org.gnome.system.proxy.https port":   "0",
	}}
}

func snapshot(m map[string]string) map[string]string {
	c := map[string]string{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func TestManager(t *testing.T) {
	ctx := context.Background()
	t.Run("enable_then_disable_restores", func(t *testing.T) {
		osys, dir := newFakeOS(), t.TempDir()
		before := snapshot(osys.values)
		m := NewManager(Gnome{}, osys, dir)
		if err := m.Enable(ctx, testProxy); err != nil {
			t.Fatal(err)
		}
		if osys.values["org.gnome.system.proxy mode"] != "'manual'" || !m.Enabled() {
			t.Fatalf("after Enable mode = %s, enabled %v", osys.values["org.gnome.system.proxy mode"], m.Enabled())
		}
		if err := m.Enable(ctx, testProxy); err != nil { // twice: the first saved settings stay
			t.Fatal(err)
		}
		if err := m.Disable(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, osys.values); diff != "" {
			t.Errorf("settings after Disable (-before +after):\n%s", diff)
		}
		if m.Enabled() {
			t.Error("still enabled after Disable")
		}
	})
	t.Run("restore_after_crash", func(t *testing.T) {
		osys, dir := newFakeOS(), t.TempDir()
		before := snapshot(osys.values)
		if err := NewManager(Gnome{}, osys, dir).Enable(ctx, testProxy); err != nil {
			t.Fatal(err)
		}
		// The process dies here. The next start makes a new Manager and recovers.
		restored, err := NewManager(Gnome{}, osys, dir).Recover(ctx)
		if err != nil || !restored {
			t.Fatalf("Recover = %v, %v; want true, nil", restored, err)
		}
		if diff := cmp.Diff(before, osys.values); diff != "" {
			t.Errorf("settings after Recover (-before +after):\n%s", diff)
		}
		if restored, err := NewManager(Gnome{}, osys, dir).Recover(ctx); restored || err != nil {
			t.Errorf("second Recover = %v, %v; want false, nil", restored, err)
		}
	})
	t.Run("failed_enable_rolls_back", func(t *testing.T) {
		osys, dir := newFakeOS(), t.TempDir()
		before := snapshot(osys.values)
		osys.failOn = "ignore-hosts ['localhost', '127.0.0.1'"
		m := NewManager(Gnome{}, osys, dir)
		if err := m.Enable(ctx, testProxy); err == nil {
			t.Fatal("Enable = nil, want the failure")
		}
		if diff := cmp.Diff(before, osys.values); diff != "" {
			t.Errorf("settings after a failed Enable (-before +after):\n%s", diff)
		}
		if m.Enabled() {
			t.Error("enabled after a failed Enable")
		}
	})
	t.Run("failed_restore_keeps_saved_file", func(t *testing.T) {
		osys, dir := newFakeOS(), t.TempDir()
		m := NewManager(Gnome{}, osys, dir)
		if err := m.Enable(ctx, testProxy); err != nil {
			t.Fatal(err)
		}
		osys.failOn = "set org.gnome.system.proxy mode 'auto'"
		if err := m.Disable(ctx); err == nil {
			t.Fatal("Disable = nil, want the failure")
		}
		if !m.Enabled() {
			t.Error("saved settings forgotten although restoring failed")
		}
		osys.failOn = ""
		if err := m.Disable(ctx); err != nil || osys.values["org.gnome.system.proxy mode"] != "'auto'" {
			t.Errorf("retry Disable = %v, mode %s; want nil, 'auto'", err, osys.values["org.gnome.system.proxy mode"])
		}
	})
	t.Run("saved_by_another_backend", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, SavedFile), []byte(`{"backend":"KDE","values":{}}`), 0o600)
		if _, err := NewManager(Gnome{}, newFakeOS(), dir).Recover(ctx); err == nil || !strings.Contains(err.Error(), "KDE") {
			t.Errorf("Recover = %v, want an error naming KDE", err)
		}
	})
}
