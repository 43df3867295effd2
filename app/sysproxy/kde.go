package sysproxy

import (
	"context"
	"fmt"
	"strings"
)

// KDE sets the proxy in kioslaverc, which Plasma and KDE applications read, then
// tells running KIO workers to reload it. Tool is kwriteconfig5 or kwriteconfig6.
type KDE struct {
	Write, Read string // e.g. "kwriteconfig6", "kreadconfig6"
}

var kdeKeys = []string{"ProxyType", "httpProxy", "httpsProxy", "NoProxyFor"}

// kdeAbsent is what kreadconfig prints for a key kioslaverc does not have (its
// --default): such a key is deleted on restore, not written back empty.
const kdeAbsent = "llmtap:absent"

// Name implements Backend.
func (KDE) Name() string { return "KDE" }

func (k KDE) write(key, value string) Command {
	return Command{Args: []string{k.Write, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, value}}
}

// Save implements Backend. Keys kioslaverc does not have are left out of Values.
func (k KDE) Save(ctx context.Context, r Runner) (Saved, error) {
	s := Saved{Values: map[string]string{}}
	for _, key := range kdeKeys {
		out, err := r.Run(ctx, Command{Args: []string{k.Read, "--file", "kioslaverc", "--group", "Proxy Settings",
			"--key", key, "--default", kdeAbsent}})
		if err != nil {
			return s, err
		}
		if v := strings.TrimRight(out, "\n"); v != kdeAbsent {
			s.Values[key] = v
		}
	}
	return s, nil
}

// EnableCommands implements Backend.
func (k KDE) EnableCommands(p Proxy, _ Saved) []Command {
	addr := fmt.Sprintf("http://%s %d", p.Host, p.Port) // KDE's format: URL, a space, the port
	return []Command{
		k.write("httpProxy", addr),
		k.write("httpsProxy", addr),
		k.write("NoProxyFor", strings.Join(p.bypass(), ",")),
		k.write("ProxyType", "1"), // 1: manual
		kdeReload,
	}
}

// RestoreCommands implements Backend: the saved keys are written back and the others
// deleted, so kioslaverc is left as it was.
func (k KDE) RestoreCommands(s Saved) []Command {
	var cmds []Command
	for _, key := range kdeKeys {
		if v, ok := s.Values[key]; ok {
			cmds = append(cmds, k.write(key, v))
		} else {
			cmds = append(cmds, Command{Args: []string{k.Write, "--file", "kioslaverc", "--group", "Proxy Settings",
				"--key", key, "--delete", ""}})
		}
	}
	return append(cmds, kdeReload)
}

var kdeReload = Command{Args: []string{"dbus-send", "--type=signal", "/KIO/Scheduler",
	"org.kde.KIO.Scheduler.reparseSlaveConfiguration", "string:"}}
