// Package autostart makes llmtap start when the person logs in, per OS: an XDG
// autostart entry on Linux, a LaunchAgent on macOS, a Run registry value on Windows.
// What each writes is built by pure functions, tested on every OS; Enable and
// Disable apply it. Standard library only.
package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Entry is what starting at login takes on one OS: a file to write (Linux, macOS)
// or a command to run (Windows).
type Entry struct {
	// Path and Content describe a file; Path is "" when the OS uses a command.
	Path    string
	Content string
	// Enable and Disable are the commands for OSes without a file.
	Enable, Disable []string
}

// For builds the entry for goos. exe is llmtap's executable; home and configDir are
// the person's home and config folders ($XDG_CONFIG_HOME or ~/.config on Linux).
func For(goos, exe, home, configDir string) (Entry, error) {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd":
		return Entry{
			Path: filepath.Join(configDir, "autostart", "llmtap.desktop"),
			Content: "[Desktop Entry]\nType=Application\nName=llmtap\nComment=Capture LLM conversations\n" +
				"Exec=" + desktopExec(exe) + "\nIcon=llmtap\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
		}, nil
	case "darwin":
		return Entry{
			Path: filepath.Join(home, "Library", "LaunchAgents", "dev.llmtap.desktop.plist"),
			Content: `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key><string>dev.llmtap.desktop</string>
	<key>ProgramArguments</key><array><string>` + xmlEscape(exe) + `</string></array>
	<key>RunAtLoad</key><true/>
</dict>
</plist>
`,
		}, nil
	case "windows":
		const run = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
		return Entry{
			Enable:  []string{"reg", "add", run, "/v", "llmtap", "/t", "REG_SZ", "/d", `"` + exe + `"`, "/f"},
			Disable: []string{"reg", "delete", run, "/v", "llmtap", "/f"},
		}, nil
	}
	return Entry{}, fmt.Errorf("start at login on %s: not supported", goos)
}

// desktopExec quotes exe for a .desktop Exec line (the spec's quoting rules).
func desktopExec(exe string) string {
	if !strings.ContainsAny(exe, " \t\"'\\$`") {
		return exe
	}
	return `"` + strings.NewReplacer(`\`, `\\\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(exe) + `"`
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Enabled reports whether the entry is in place (for file entries; Windows reports
// what the registry query says).
func (e Entry) Enabled(ctx context.Context) bool {
	if e.Path != "" {
		_, err := os.Stat(e.Path)
		return err == nil
	}
	q := []string{"reg", "query", e.Enable[2], "/v", "llmtap"}
	return exec.CommandContext(ctx, q[0], q[1:]...).Run() == nil
}

// Set puts the entry in place (on) or removes it (off).
func (e Entry) Set(ctx context.Context, on bool) error {
	if e.Path == "" {
		args := e.Disable
		if on {
			args = e.Enable
		}
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil && on {
			return fmt.Errorf("start at login: %s: %w", strings.TrimSpace(string(out)), err)
		}
		return nil
	}
	if !on {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("start at login: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(e.Path), 0o755); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.WriteFile(e.Path, []byte(e.Content), 0o644); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}
