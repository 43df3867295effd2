package sysproxy

import (
	"context"
	"strconv"
	"strings"
)

// Windows sets the WinINET proxy of the current user (the registry values that
// Edge, Chrome and most Windows apps read). After the commands, Refresh tells
// running programs to reload them (see refresh_windows.go).
type Windows struct{}

const winInternetSettings = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`

var windowsValues = []struct{ name, kind string }{
	{"ProxyEnable", "REG_DWORD"},
	{"ProxyServer", "REG_SZ"},
	{"ProxyOverride", "REG_SZ"},
}

// Name implements Backend.
func (Windows) Name() string { return "Windows" }

// Save implements Backend. A value that does not exist is saved as absent, so
// Restore deletes it rather than leaving an empty one behind.
func (Windows) Save(ctx context.Context, r Runner) (Saved, error) {
	s := Saved{Values: map[string]string{}}
	for _, v := range windowsValues {
		out, err := r.Run(ctx, Command{Args: []string{"reg", "query", winInternetSettings, "/v", v.name}})
		if err != nil {
			continue // reg exits 1 for a missing value: absent
		}
		if val, ok := parseRegValue(out, v.name); ok {
			s.Values[v.name] = val
		}
	}
	return s, nil
}

func regAdd(name, kind, value string) Command {
	return Command{Args: []string{"reg", "add", winInternetSettings, "/v", name, "/t", kind, "/d", value, "/f"}}
}

// EnableCommands implements Backend.
func (Windows) EnableCommands(p Proxy, _ Saved) []Command {
	// WinINET's bypass list is ";"-separated and "<local>" means plain host names.
	return []Command{
		regAdd("ProxyServer", "REG_SZ", p.Host+":"+strconv.Itoa(p.Port)),
		regAdd("ProxyOverride", "REG_SZ", strings.Join(append(p.bypass(), "<local>"), ";")),
		regAdd("ProxyEnable", "REG_DWORD", "1"),
	}
}

// RestoreCommands implements Backend.
func (Windows) RestoreCommands(s Saved) []Command {
	var cmds []Command
	for _, v := range windowsValues {
		val, ok := s.Values[v.name]
		if !ok {
			cmds = append(cmds, Command{Args: []string{"reg", "delete", winInternetSettings, "/v", v.name, "/f"}})
			continue
		}
		cmds = append(cmds, regAdd(v.name, v.kind, val))
	}
	return cmds
}

// parseRegValue reads `reg query` output: "    ProxyEnable    REG_DWORD    0x1".
// DWORDs come back in hex; reg add takes decimal.
func parseRegValue(out, name string) (string, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], name) {
			continue
		}
		val := ""
		if len(f) >= 3 {
			val = strings.Join(f[2:], " ")
		}
		if f[1] == "REG_DWORD" {
			if n, err := strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32); err == nil {
				val = strconv.FormatUint(n, 10)
			}
		}
		return val, true
	}
	return "", false
}

func itoa(n int) string { return strconv.Itoa(n) }
