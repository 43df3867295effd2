package autostart

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestFor(t *testing.T) {
	tests := []struct {
		name, goos, exe string
		wantPath        string
		wantIn          []string
	}{
		{"linux", "linux", "/usr/bin/llmtap-desktop", "/cfg/autostart/llmtap.desktop",
			[]string{"Exec=/usr/bin/llmtap-desktop\n", "Type=Application"}},
		{"linux_path_with_space", "linux", "/opt/my apps/llmtap", "/cfg/autostart/llmtap.desktop",
			[]string{`Exec="/opt/my apps/llmtap"`}},
		{"macos", "darwin", "/Applications/llmtap.app/Contents/MacOS/llmtap", "/home/Library/LaunchAgents/dev.llmtap.desktop.plist",
			[]string{"<string>/Applications/llmtap.app/Contents/MacOS/llmtap</string>", "<key>RunAtLoad</key><true/>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := For(tt.goos, tt.exe, "/home", "/cfg")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(filepath.ToSlash(e.Path), tt.wantPath) {
				t.Errorf("For(%s).Path = %q, want it under %q", tt.goos, e.Path, tt.wantPath)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(e.Content, w) {
					t.Errorf("For(%s).Content = %q, want it to contain %q", tt.goos, e.Content, w)
				}
			}
		})
	}
	e, err := For("windows", `C:\Users\a\AppData\Local\Programs\llmtap\llmtap-desktop.exe`, "", "")
	if err != nil || strings.Join(e.Enable, " ") != `reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v llmtap /t REG_SZ /d "C:\Users\a\AppData\Local\Programs\llmtap\llmtap-desktop.exe" /f` {
		t.Errorf("For(windows).Enable = %q, %v", e.Enable, err)
	}
	if _, err := For("plan9", "x", "", ""); err == nil {
		t.Error("For(plan9) = nil error, want unsupported")
	}
}

func TestSetLinuxForReal(t *testing.T) {
	cfg := t.TempDir()
	e, err := For("linux", "/usr/bin/llmtap-desktop", "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, on := range []bool{true, false, false} { // removing twice is fine
		if err := e.Set(ctx, on); err != nil {
			t.Fatalf("Set(%v): %v", on, err)
		}
		if e.Enabled(ctx) != on {
			t.Errorf("after Set(%v) Enabled() = %v", on, !on)
		}
	}
}
