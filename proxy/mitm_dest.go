package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// errDestination is wrapped by every refusal of destGuard.
var errDestination = errors.New("destination not allowed")

// defaultTunnelPorts are the ports tunnels and forwarded requests may reach without
// MITMConfig.AllowPorts.
var defaultTunnelPorts = []string{"443", "80"}

// sharedAddressSpace is RFC 6598's carrier-grade NAT range, private in practice
// though netip does not call it so; thisNetwork is "this host on this network".
var (
	sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork        = netip.MustParsePrefix("0.0.0.0/8")
)

// destGuard decides where proxy mode may connect for what it does not capture
// (CONNECT tunnels, forwarded absolute-form requests): so that llmtap listening
// beyond loopback is not an open proxy into the machine and its network. It dials
// the very address it checked, so a name cannot resolve to a public address for the
// check and to a private one for the connection (DNS rebinding).
type destGuard struct {
	ports   map[string]bool
	private bool
	hosts   []hostPattern // their port "" means any port
	nets    []netip.Prefix
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

func newDestGuard(cfg MITMConfig) (*destGuard, error) {
	g := &destGuard{
		ports:   make(map[string]bool),
		private: cfg.AllowPrivate,
		dial:    (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
	for _, p := range defaultTunnelPorts {
		g.ports[p] = true
	}
	for _, p := range cfg.AllowPorts {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("mitm allowed port %d: want 1 to 65535", p)
		}
		g.ports[strconv.Itoa(p)] = true
	}
	for _, e := range cfg.AllowDestinations {
		if pfx, err := netip.ParsePrefix(e); err == nil {
			g.nets = append(g.nets, pfx.Masked())
			continue
		}
		if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			g.nets = append(g.nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := parseHostPattern(e)
		if err != nil {
			return nil, fmt.Errorf("mitm allowed destination: %w", err)
		}
		g.hosts = append(g.hosts, p)
	}
	return g, nil
}

// hostAllowed reports whether host:port is allowed by name (AllowDestinations).
func (g *destGuard) hostAllowed(host, port string) bool {
	for _, p := range g.hosts {
		if p.port != "" && p.port != port {
			continue
		}
		if p.wildcard && strings.HasSuffix(host, "."+p.host) || !p.wildcard && host == p.host {
			return true
		}
	}
	return false
}

// inNets reports whether a is in AllowDestinations' addresses.
func (g *destGuard) inNets(a netip.Addr) bool {
	for _, n := range g.nets {
		if n.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// addrAllowed reports whether proxy mode may connect to a on port.
func (g *destGuard) addrAllowed(a netip.Addr, port string) error {
	a = a.Unmap()
	if g.inNets(a) {
		return nil
	}
	if !g.ports[port] {
		return fmt.Errorf("%w: port %s of %s; tunnels reach ports %s unless more are allowed", errDestination, port, a, strings.Join(defaultTunnelPorts, " and "))
	}
	if g.private || !(a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsUnspecified() || a.IsMulticast() ||
		sharedAddressSpace.Contains(a) || thisNetwork.Contains(a)) {
		return nil
	}
	return fmt.Errorf("%w: %s is a loopback, link-local or private address, which tunnels reach only when allowed", errDestination, a)
}

// check refuses host:port before any lookup when its port or its literal address is
// not allowed; a name is checked again on the addresses it resolves to when dialled.
func (g *destGuard) check(hostport, defaultPort string) error {
	host, port, err := splitHostPort(hostport, defaultPort)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", errDestination, hostport, err)
	}
	if g.hostAllowed(host, port) {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return g.addrAllowed(a, port)
	}
	// A name may resolve into an allowed network, where any port goes.
	if !g.ports[port] && len(g.nets) == 0 {
		return fmt.Errorf("%w: port %s of %s; tunnels reach ports %s unless more are allowed", errDestination, port, host, strings.Join(defaultTunnelPorts, " and "))
	}
	return nil
}

// dialContext connects to addr (host:port) if it is allowed: by name, or by port and
// address for each address tried. It dials the addresses it checked, never the name
// again.
func (g *destGuard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := g.check(addr, ""); err != nil {
		return nil, err
	}
	host, port, _ := splitHostPort(addr, "")
	byName := g.hostAllowed(host, port)
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = g.resolve(ctx, host); err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	var errs []error
	for _, a := range addrs {
		if !byName {
			if err := g.addrAllowed(a, port); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", host, err))
				continue
			}
		}
		c, err := g.dial(ctx, network, netip.AddrPortFrom(a.Unmap(), mustPort(port)).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return nil, errors.Join(errs...)
}

// mustPort parses a port splitHostPort has validated.
func mustPort(p string) uint16 {
	n, _ := strconv.Atoi(p)
	return uint16(n)
}
