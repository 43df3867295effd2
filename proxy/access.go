package proxy

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// tokenHeader carries Config.AccessToken for clients that cannot set
// Proxy-Authorization (an SDK pointed at llmtap as its base URL). It is stripped
// before forwarding, like Proxy-Authorization, and never captured.
const tokenHeader = "X-Llmtap-Token"

// access decides which requests a Server serves: those carrying its access token
// (when it has one), and, for requests addressed to llmtap itself, only those no
// foreign web page sent.
type access struct {
	token   *[sha256.Size]byte // hash of Config.AccessToken; nil means none needed
	origins []originPattern
}

// originPattern is one allowed Origin: scheme and host exact, port exact or any.
type originPattern struct {
	scheme, host, port string // port "*" means any
}

// loopbackOrigins are always allowed: pages a person serves themselves on this machine
// (a local chat UI, a dev server).
var loopbackOrigins = []originPattern{
	{"http", "localhost", "*"}, {"http", "127.0.0.1", "*"}, {"http", "[::1]", "*"},
	{"https", "localhost", "*"}, {"https", "127.0.0.1", "*"}, {"https", "[::1]", "*"},
}

func newAccess(token string, allowOrigins []string) (access, error) {
	a := access{origins: append([]originPattern(nil), loopbackOrigins...)}
	if token != "" {
		h := sha256.Sum256([]byte(token))
		a.token = &h
	}
	for _, o := range allowOrigins {
		p, err := parseOriginPattern(o)
		if err != nil {
			return access{}, err
		}
		a.origins = append(a.origins, p)
	}
	return a, nil
}

// parseOriginPattern parses a Config.AllowOrigins entry: scheme://host[:port], where
// port may be "*". An entry without a port matches the origin without one (the
// scheme's default port, which browsers leave out of Origin).
func parseOriginPattern(o string) (originPattern, error) {
	scheme, hostport, ok := strings.Cut(o, "://")
	if !ok || !validScheme(scheme) || hostport == "" || strings.ContainsAny(hostport, "/?#@ ") {
		return originPattern{}, fmt.Errorf("allowed origin %q: want scheme://host[:port] such as https://chat.example.com, http://10.0.0.5:* or chrome-extension://ID", o)
	}
	scheme = strings.ToLower(scheme)
	host, port := strings.ToLower(hostport), ""
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host, port = strings.ToLower(hostport[:i]), hostport[i+1:]
		if port == "" {
			return originPattern{}, fmt.Errorf("allowed origin %q: empty port", o)
		}
	}
	return originPattern{scheme: scheme, host: host, port: port}, nil
}

// validScheme reports whether s is a URL scheme (RFC 3986 section 3.1): pages of
// browser extensions and desktop shells have origins such as chrome-extension://ID.
func validScheme(s string) bool {
	for i := range len(s) {
		c := s[i] | 0x20
		if !('a' <= c && c <= 'z' || i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return s != ""
}

// allowsOrigin reports whether a page of origin (an Origin header's value) may use
// the proxy. "null" (sandboxed frames, file: pages) never may.
func (a access) allowsOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil {
		return false
	}
	host, port := strings.ToLower(u.Host), ""
	if h, p, err := net.SplitHostPort(u.Host); err == nil {
		host, port = strings.ToLower(h), p
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	for _, p := range a.origins {
		if p.scheme == u.Scheme && p.host == host && (p.port == "*" || p.port == port) {
			return true
		}
	}
	return false
}

// crossSite reports whether r comes from a web page that may not use the proxy: its
// Origin is not allowed, or it has none and the browser says the request is
// cross-site (a navigation or a no-cors request from another site). Clients that are
// not browsers send neither header and are never refused.
func (a access) crossSite(r *http.Request) bool {
	if origin, ok := r.Header["Origin"]; ok {
		// An allowed page is cross-site to llmtap's address as a rule (localhost:5173
		// calling 127.0.0.1:8080), so its Origin decides, not Sec-Fetch-Site.
		return len(origin) != 1 || !a.allowsOrigin(origin[0])
	}
	return strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site")
}

// authorized reports whether r carries the access token, as Proxy-Authorization
// (Basic with the token as password, or Bearer) or as X-Llmtap-Token; it is true when
// no token is set. The comparison takes the same time whatever the guess.
func (a access) authorized(r *http.Request) bool {
	if a.token == nil {
		return true
	}
	ok := 0
	for _, v := range r.Header.Values(tokenHeader) {
		ok |= a.match(v)
	}
	for _, v := range r.Header.Values("Proxy-Authorization") {
		scheme, cred, _ := strings.Cut(strings.TrimSpace(v), " ")
		cred = strings.TrimSpace(cred)
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			ok |= a.match(cred)
		case strings.EqualFold(scheme, "Basic"):
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				_, pass, _ := strings.Cut(string(dec), ":")
				ok |= a.match(pass)
			}
		}
	}
	return ok == 1
}

func (a access) match(v string) int {
	h := sha256.Sum256([]byte(v))
	return subtle.ConstantTimeCompare(h[:], a.token[:])
}

// isPreflight reports whether r is a CORS preflight: it carries no credentials, so
// an allowed page's preflight passes without the access token.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// refuseCrossSite answers a request from a foreign web page.
func (s *Server) refuseCrossSite(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("cross-site request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
	writeError(w, http.StatusForbidden, "permission_error", "cross_site_refused",
		"llmtap refuses requests from web pages of other sites; a page served from another origin must be allowed with --allow-origin")
}

// refuseUnauthorized answers a request without the access token: 407 for proxy forms
// (CONNECT, absolute-form), which proxy clients answer with Proxy-Authorization, 401
// for requests to llmtap as a base URL.
func (s *Server) refuseUnauthorized(w http.ResponseWriter, r *http.Request, proxyForm bool) {
	s.log.Debug("unauthorized request refused", "method", r.Method, "host", r.Host, "path", r.URL.Path)
	if proxyForm {
		w.Header().Set("Proxy-Authenticate", `Basic realm="llmtap"`)
		writeError(w, http.StatusProxyAuthRequired, "authentication_error", "proxy_auth_required",
			"llmtap needs its access token: set the proxy URL to http://llmtap:TOKEN@HOST:PORT")
		return
	}
	writeError(w, http.StatusUnauthorized, "authentication_error", "llmtap_token_required",
		"llmtap needs its access token: send it in the "+tokenHeader+" header or as Proxy-Authorization: Bearer TOKEN")
}
