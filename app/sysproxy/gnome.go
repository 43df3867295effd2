package sysproxy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Gnome sets the proxy through gsettings (org.gnome.system.proxy), which GNOME,
// Unity, Budgie and most GTK desktops, and Chromium on them, read.
type Gnome struct{}

// gnomeKeys are the settings Gnome saves and restores, as schema and key.
var gnomeKeys = [][2]string{
	{"org.gnome.system.proxy", "mode"},
	{"org.gnome.system.proxy", "ignore-hosts"},
	{"org.gnome.system.proxy.http", "host"},
	{"org.gnome.system.proxy.http", "port"},
	{"org.gnome.system.proxy.https", "host"},
	{"org.gnome.system.proxy.https", "port"},
}

// Name implements Backend.
func (Gnome) Name() string { return "GNOME" }

// Save implements Backend: it keeps each value as gsettings prints it (GVariant
// text), which `gsettings set` takes back as it is.
func (Gnome) Save(ctx context.Context, r Runner) (Saved, error) {
	s := Saved{Values: map[string]string{}}
	for _, k := range gnomeKeys {
		out, err := r.Run(ctx, Command{Args: []string{"gsettings", "get", k[0], k[1]}})
		if err != nil {
			return s, err
		}
		s.Values[k[0]+" "+k[1]] = strings.TrimSpace(out)
	}
	return s, nil
}

// EnableCommands implements Backend.
func (Gnome) EnableCommands(p Proxy, _ Saved) []Command {
	set := func(schema, key, value string) Command {
		return Command{Args: []string{"gsettings", "set", schema, key, value}}
	}
	host, port := gvariantString(p.Host), strconv.Itoa(p.Port)
	return []Command{
		set("org.gnome.system.proxy.http", "host", host),
		set("org.gnome.system.proxy.http", "port", port),
		set("org.gnome.system.proxy.https", "host", host),
		set("org.gnome.system.proxy.https", "port", port),
		set("org.gnome.system.proxy", "ignore-hosts", gvariantList(p.bypass())),
		// Last, so the switch happens only once everything it points at is in place.
		set("org.gnome.system.proxy", "mode", "'manual'"),
	}
}

// RestoreCommands implements Backend.
func (Gnome) RestoreCommands(s Saved) []Command {
	var cmds []Command
	for _, k := range gnomeKeys {
		if v, ok := s.Values[k[0]+" "+k[1]]; ok && v != "" {
			cmds = append(cmds, Command{Args: []string{"gsettings", "set", k[0], k[1], v}})
		}
	}
	return cmds
}

// gvariantString quotes s as a GVariant string literal.
func gvariantString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// gvariantList writes list as a GVariant array of strings.
func gvariantList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = gvariantString(s)
	}
	return fmt.Sprintf("[%s]", strings.Join(q, ", "))
}
