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

// Name implements Backend.
func (KDE) Name() string { return "KDE" }

func (k KDE) write(key, value string) Command {
	return Command{Args: []string{k.Write, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, value}}
}

// Save implements Backend.
func (k KDE) Save(ctx context.Context, r Runner) (Saved, error) {
	s := Saved{Values: map[string]string{}}
	for _, key := range kdeKeys {
		out, err := r.Run(ctx, Command{Args: []string{k.Read, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key}})
		if err != nil {
			return s, err
		}
		s.Values[key] = strings.TrimRight(out, "\n")
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

// RestoreCommands implements Backend.
func (k KDE) RestoreCommands(s Saved) []Command {
	var cmds []Command
	for _, key := range kdeKeys {
		cmds = append(cmds, k.write(key, s.Values[key]))
	}
	return append(cmds, kdeReload)
}

var kdeReload = Command{Args: []string{"dbus-send", "--type=signal", "/KIO/Scheduler",
	"org.kde.KIO.Scheduler.reparseSlaveConfiguration", "string:"}}
