package sysproxy

import (
	"context"
	"strings"
)

// MacOS sets the web and secure web proxy of every enabled network service with
// networksetup, which Safari, Chromium and most Cocoa apps follow.
type MacOS struct{}

// Name implements Backend.
func (MacOS) Name() string { return "macOS" }

const networksetup = "networksetup"

// Save implements Backend: the enabled services, and for each its two proxies
// (enabled, server, port) and bypass domains.
func (MacOS) Save(ctx context.Context, r Runner) (Saved, error) {
	s := Saved{Values: map[string]string{}}
	out, err := r.Run(ctx, Command{Args: []string{networksetup, "-listallnetworkservices"}})
	if err != nil {
		return s, err
	}
	services := parseServices(out)
	s.Values["services"] = strings.Join(services, "\n")
	for _, svc := range services {
		for _, kind := range []string{"web", "secureweb"} {
			out, err := r.Run(ctx, Command{Args: []string{networksetup, "-get" + kind + "proxy", svc}})
			if err != nil {
				return s, err
			}
			for k, v := range parseProxyInfo(out) {
				s.Values[svc+"|"+kind+"."+k] = v
			}
		}
		out, err := r.Run(ctx, Command{Args: []string{networksetup, "-getproxybypassdomains", svc}})
		if err != nil {
			return s, err
		}
		s.Values[svc+"|bypass"] = strings.Join(parseBypass(out), "\n")
	}
	return s, nil
}

// EnableCommands implements Backend.
func (MacOS) EnableCommands(p Proxy, s Saved) []Command {
	port := itoa(p.Port)
	var cmds []Command
	for _, svc := range savedServices(s) {
		cmds = append(cmds,
			Command{Args: []string{networksetup, "-setwebproxy", svc, p.Host, port}},
			Command{Args: []string{networksetup, "-setsecurewebproxy", svc, p.Host, port}},
			Command{Args: append([]string{networksetup, "-setproxybypassdomains", svc}, p.bypass()...)},
		)
	}
	return cmds
}

// RestoreCommands implements Backend.
func (MacOS) RestoreCommands(s Saved) []Command {
	var cmds []Command
	for _, svc := range savedServices(s) {
		for _, kind := range []string{"web", "secureweb"} {
			server, port := s.Values[svc+"|"+kind+".server"], s.Values[svc+"|"+kind+".port"]
			if server != "" {
				cmds = append(cmds, Command{Args: []string{networksetup, "-set" + kind + "proxy", svc, server, port}})
			}
			state := "off"
			if s.Values[svc+"|"+kind+".enabled"] == "Yes" {
				state = "on"
			}
			cmds = append(cmds, Command{Args: []string{networksetup, "-set" + kind + "proxystate", svc, state}})
		}
		bypass := strings.Fields(s.Values[svc+"|bypass"])
		if len(bypass) == 0 {
			bypass = []string{"Empty"} // networksetup's word for clearing the list
		}
		cmds = append(cmds, Command{Args: append([]string{networksetup, "-setproxybypassdomains", svc}, bypass...)})
	}
	return cmds
}

func savedServices(s Saved) []string {
	if s.Values["services"] == "" {
		return nil
	}
	return strings.Split(s.Values["services"], "\n")
}

// parseServices reads -listallnetworkservices: a header line, then one service per
// line; a leading "*" marks a disabled one, which is left alone.
func parseServices(out string) []string {
	var services []string
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if i == 0 || line == "" || strings.HasPrefix(line, "*") {
			continue
		}
		services = append(services, line)
	}
	return services
}

// parseProxyInfo reads -getwebproxy: "Enabled: Yes", "Server: host", "Port: 8080".
func parseProxyInfo(out string) map[string]string {
	v := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "Enabled":
			v["enabled"] = strings.TrimSpace(val)
		case "Server":
			v["server"] = strings.TrimSpace(val)
		case "Port":
			v["port"] = strings.TrimSpace(val)
		}
	}
	return v
}

// parseBypass reads -getproxybypassdomains: one domain per line, or a sentence
// saying there are none.
func parseBypass(out string) []string {
	if strings.Contains(out, "There aren't any") {
		return nil
	}
	return strings.Fields(out)
}
