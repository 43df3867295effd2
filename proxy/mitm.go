package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/elazarl/goproxy"
)

// MITMConfig turns on llmtap's HTTP(S) proxy mode (Config.MITM): clients that use
// llmtap as their proxy (HTTPS_PROXY) have their LLM API traffic decrypted and
// captured, and everything else tunnelled untouched.
type MITMConfig struct {
	// CA signs the certificates llmtap shows clients for the hosts it decrypts;
	// clients must trust it. Required: see LoadOrCreateCA.
	CA *CA

	// ExtraHosts are hosts to decrypt and capture besides the allow list
	// (KnownHosts and Config.AllowHosts), without making them host-in-path routes.
	// An entry is "host" (the scheme's default port), "host:port", or
	// "*.example.com" for every subdomain of example.com. nil adds none.
	ExtraHosts []string

	// AllowPorts are the ports that what llmtap does not capture (CONNECT tunnels,
	// forwarded absolute-form requests) may reach, besides 443 and 80. nil allows
	// only those two, so that a proxy port reachable from elsewhere cannot reach
	// mail, SSH or database ports through llmtap. Capture hosts (the allow list and
	// ExtraHosts) are not limited: they were named on purpose.
	AllowPorts []int

	// AllowPrivate lets what llmtap does not capture reach loopback, link-local,
	// private (RFC 1918, RFC 6598, fc00::/7), multicast and unspecified addresses.
	// false refuses them, checked on the address each name resolves to, which is the
	// address then dialled. It does not lift the port limit (AllowPorts).
	AllowPrivate bool

	// AllowDestinations are destinations that what llmtap does not capture may
	// reach whatever their port or address: a CIDR ("192.168.1.0/24") or an IP
	// address (any port), or a host pattern as in ExtraHosts ("nas.lan",
	// "nas.lan:8443", "*.corp.example"), where a pattern without a port allows every
	// port of the host. nil allows none beyond the rules above.
	AllowDestinations []string
}

// mitm is a Server's proxy mode: goproxy answers CONNECT and tunnels or forwards
// what llmtap does not capture; capture hosts are decrypted here and their requests
// served by srv, whose handler is Server.forward, the path every request takes.
type mitm struct {
	ca    *CA
	extra []hostPattern
	gp    *goproxy.ProxyHttpServer
	guard *destGuard // where tunnels and forwarded requests may go

	// srv serves every decrypted connection (HTTP/1.1 and, by ALPN, HTTP/2) from
	// ln; it starts with the first one.
	srv     *http.Server
	ln      *connListener
	start   sync.Once
	targets sync.Map // net.Conn pushed to ln → mitmTarget, until srv's ConnContext takes it
	log     *slog.Logger
}

// newMITM builds s's proxy mode from cfg. s.hosts and s.log must be set.
func newMITM(s *Server, cfg MITMConfig) (*mitm, error) {
	if cfg.CA == nil {
		return nil, errors.New("mitm: a CA is required (see proxy.LoadOrCreateCA)")
	}
	guard, err := newDestGuard(cfg)
	if err != nil {
		return nil, err
	}
	m := &mitm{ca: cfg.CA, ln: newConnListener(), log: s.log, guard: guard}
	for _, e := range cfg.ExtraHosts {
		p, err := parseHostPattern(e)
		if err != nil {
			return nil, fmt.Errorf("mitm extra host: %w", err)
		}
		m.extra = append(m.extra, p)
	}

	gp := goproxy.NewProxyHttpServer()
	gp.Logger = goproxyLog{s.log}
	// Neither the tunnel dialer nor the forwarding transport may come from
	// $HTTPS_PROXY/$HTTP_PROXY: they usually point at llmtap itself.
	gp.ConnectDial = nil
	gp.Tr = newTransport()
	// goproxy dials tunnels with Tr.DialContext too (ConnectDial is nil).
	gp.Tr.DialContext = guard.dialContext
	gp.KeepAcceptEncoding = true // hosts llmtap does not capture get the client's request as sent
	gp.OnRequest().HandleConnectFunc(func(host string, pctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		if _, ok := s.captureHost(host, "443"); !ok {
			s.log.Debug("tunnel", "host", host)
			return goproxy.OkConnect, host // a raw TCP copy; its TLSConfig is never used
		}
		return &goproxy.ConnectAction{Action: goproxy.ConnectHijack, Hijack: func(r *http.Request, client net.Conn, pctx *goproxy.ProxyCtx) {
			s.serveMITMConn(r, client, host)
		}}, host
	})
	m.gp = gp
	m.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveDecrypted),
		ConnContext:       m.connContext,
		ReadHeaderTimeout: mitmReadHeaderTimeout,
		IdleTimeout:       s.idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	return m, nil
}

// serveProxyForm answers requests addressed to llmtap as an HTTP(S) proxy: CONNECT
// and absolute-form (GET http://host/path). Without Config.MITM they get 501, except
// absolute-form requests for llmtap's own address, which some clients send when a
// system proxy points at llmtap: those are served as if sent directly.
func (s *Server) serveProxyForm(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect && isSelf(r) {
		r2 := r.WithContext(r.Context())
		r2.URL = &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
		s.serveDirect(w, r2, false) // authorized as a proxy form already
		return
	}
	if s.mitm == nil {
		s.log.Debug("proxy-form request refused", "method", r.Method, "host", r.Host)
		writeError(w, http.StatusNotImplemented, "proxy_error", "proxy_form_unsupported",
			"llmtap is not acting as an HTTP(S) proxy: start it with --mitm to capture through HTTPS_PROXY, "+
				"or send requests to it directly, e.g. http://"+r.Host+"/api.openai.com/v1/chat/completions")
		return
	}
	if r.Method == http.MethodConnect {
		if _, ok := s.captureHost(r.Host, "443"); !ok && !s.destinationAllowed(w, r.Host, "443") {
			return
		}
		s.mitm.gp.ServeHTTP(w, r)
		return
	}
	if r.URL.Scheme == "http" || r.URL.Scheme == "https" {
		if host, ok := s.captureHost(r.URL.Host, defaultPort(r.URL.Scheme)); ok {
			up := &url.URL{Scheme: r.URL.Scheme, Host: host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
			if up.Path == "" {
				up.Path = "/"
			}
			s.forward(w, r, up, "proxy:"+host)
			return
		}
	}
	if !s.destinationAllowed(w, r.URL.Host, defaultPort(r.URL.Scheme)) {
		return
	}
	s.log.Debug("forward uncaptured", "method", r.Method, "host", r.URL.Host)
	s.mitm.gp.ServeHTTP(w, r)
}

// destinationAllowed answers 403 and returns false when proxy mode may not reach
// hostport by its port or literal address (see destGuard; a name is checked again
// on the address it resolves to when dialled).
func (s *Server) destinationAllowed(w http.ResponseWriter, hostport, defaultPort string) bool {
	err := s.mitm.guard.check(hostport, defaultPort)
	if err == nil {
		return true
	}
	s.log.Debug("destination refused", "host", hostport, "err", err)
	writeError(w, http.StatusForbidden, "permission_error", "destination_refused", "llmtap refuses to connect there: "+err.Error())
	return false
}

// captureHost reports whether llmtap decrypts and records traffic for hostport
// (host or host:port, defaultPort when it has none), and returns it in canonical
// form: lowercase, without the default port.
func (s *Server) captureHost(hostport, defaultPort string) (string, bool) {
	host, port, err := splitHostPort(hostport, defaultPort)
	if err != nil {
		return "", false
	}
	bare := host
	if strings.Contains(host, ":") {
		bare = "[" + host + "]"
	}
	canon := bare
	if port != defaultPort {
		canon = net.JoinHostPort(host, port)
	}
	if s.hosts[net.JoinHostPort(host, port)] != nil || port == defaultPort && s.hosts[bare] != nil {
		return canon, true
	}
	for _, p := range s.mitm.extra {
		if p.match(host, port, defaultPort) {
			return canon, true
		}
	}
	return "", false
}

// hostPattern is one MITMConfig.ExtraHosts entry.
type hostPattern struct {
	host     string // lowercase, no brackets; for a wildcard the suffix after "*."
	port     string // "" means the scheme's default port
	wildcard bool
}

func parseHostPattern(e string) (hostPattern, error) {
	if e == "" || strings.ContainsAny(e, "/?#@ ") {
		return hostPattern{}, fmt.Errorf("%q: want host, host:port or *.domain", e)
	}
	host, port, err := splitHostPort(e, "")
	if err != nil {
		return hostPattern{}, fmt.Errorf("%q: %w", e, err)
	}
	p := hostPattern{host: host, port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		p.host, p.wildcard = rest, true
	}
	if p.host == "" || strings.Contains(p.host, "*") {
		return hostPattern{}, fmt.Errorf("%q: a wildcard must be a leading *. label", e)
	}
	return p, nil
}

func (p hostPattern) match(host, port, defaultPort string) bool {
	want := p.port
	if want == "" {
		want = defaultPort
	}
	if port != want {
		return false
	}
	if p.wildcard {
		return strings.HasSuffix(host, "."+p.host)
	}
	return host == p.host
}

// splitHostPort splits host[:port] into a lowercase host without brackets or a
// trailing dot, and a numeric port (defaultPort when absent).
func splitHostPort(hostport, defaultPort string) (host, port string, err error) {
	host, port = hostport, defaultPort
	// A bare IPv6 address has several colons and no port.
	if strings.Contains(hostport, ":") && (hostport[0] == '[' || strings.Count(hostport, ":") == 1) {
		if host, port, err = net.SplitHostPort(hostport); err != nil {
			return "", "", err
		}
	}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")), ".")
	if host == "" {
		return "", "", errors.New("empty host")
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("bad port %q", port)
		}
	}
	return host, port, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// isSelf reports whether absolute-form r names the address it arrived on.
func isSelf(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok || r.URL.Scheme != "http" {
		return false
	}
	host, port, err := splitHostPort(r.URL.Host, "80")
	if err != nil || port != strconv.Itoa(local.Port) {
		return false
	}
	if host == "localhost" {
		return local.IP.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(local.IP) || local.IP.IsUnspecified() && ip.IsLoopback())
}

// goproxyLog sends goproxy's printf logs (tunnel errors, mostly peers hanging up)
// to the debug log.
type goproxyLog struct{ log *slog.Logger }

func (l goproxyLog) Printf(format string, v ...any) {
	l.log.Debug("goproxy", "msg", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
