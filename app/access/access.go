// Package access guards the UI and JSON API that llmtap serve offers to a browser:
// it answers only to expected Host names (a DNS-rebinding defence), refuses
// state-changing requests from other origins, and, when the UI listens beyond this
// machine, asks for a token (a login page that sets a cookie, or a Bearer header).
//
// It knows nothing of llmtap's data and imports only the standard library. The
// desktop window does not go through it: its requests never leave the process.
package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// CookieName is the cookie a browser gets once it entered the token.
const CookieName = "llmtap_ui"

// MinTokenLen is the shortest token accepted: the login page could otherwise be
// guessed at. Generated tokens are 43 characters (32 random bytes).
const MinTokenLen = 16

// Config says what a Guard lets through. The zero value answers to loopback
// names only and needs no token, as the UI on 127.0.0.1 always did.
type Config struct {
	// Token is the credential a request must carry: "Authorization: Bearer TOKEN", or
	// the cookie the login page sets. "" means none is needed (the UI is on loopback).
	Token string
	// AllowHosts are Host names answered besides loopback names and IP addresses
	// (e.g. "llmtap.lan"), compared without port and case. nil → none.
	AllowHosts []string
}

// Guard wraps a handler with the checks of its Config. It is safe for concurrent use.
type Guard struct {
	token  string
	cookie string // what the cookie holds: derived from the token, never the token itself
	hosts  map[string]bool
}

// New returns a Guard for cfg; a Token shorter than MinTokenLen is an error.
func New(cfg Config) (*Guard, error) {
	if err := CheckToken(cfg.Token); err != nil {
		return nil, err
	}
	g := &Guard{token: cfg.Token, hosts: map[string]bool{}}
	for _, h := range cfg.AllowHosts {
		g.hosts[hostOnly(h)] = true
	}
	if cfg.Token != "" {
		mac := hmac.New(sha256.New, []byte(cfg.Token))
		mac.Write([]byte("llmtap ui session"))
		g.cookie = base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	return g, nil
}

// CheckToken reports whether t can be a UI token ("" means none and is fine).
func CheckToken(t string) error {
	if t != "" && len(t) < MinTokenLen {
		return fmt.Errorf("UI token: %d characters, want at least %d", len(t), MinTokenLen)
	}
	return nil
}

// NewToken returns a new random token: 32 bytes, base64url without padding.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate UI token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Wrap returns next behind the Guard's checks: a foreign Host gets 403, a request
// from another origin 403, one without the token 401 (a page: a redirect to the
// login page). LoginPath is served by the Guard itself.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			deny(w, http.StatusForbidden, "forbidden: the llmtap UI does not answer to the name "+r.Host+
				" (allow it with --ui-allow-host)")
			return
		}
		if msg := crossOrigin(r); msg != "" {
			deny(w, http.StatusForbidden, "forbidden: "+msg)
			return
		}
		if r.URL.Path == LoginPath && g.token != "" {
			g.login(w, r)
			return
		}
		if g.token != "" && !g.authorized(r) {
			if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAPI(r.URL.Path) {
				http.Redirect(w, r, LoginPath, http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="llmtap"`)
			deny(w, http.StatusUnauthorized, "unauthorized: send Authorization: Bearer TOKEN, or log in at "+LoginPath)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed is the DNS-rebinding defence: a page of another site that made its
// name resolve to this machine still sends its own name as Host. IP addresses are
// answered, as Vite's dev server does: no other site's page can have one as its
// origin, so they cannot be rebound.
func (g *Guard) hostAllowed(hostport string) bool {
	host := hostOnly(hostport)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil {
		return true
	}
	return g.hosts[host]
}

// crossOrigin says why r comes from another origin, or "". An Origin, when sent,
// must be this one's; state-changing requests are also refused when the browser says
// (Sec-Fetch-Site) that another site made them, for browsers that send no Origin.
func crossOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return "cross-origin request from " + o
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
		return ""
	default:
		return "request made by another page (Sec-Fetch-Site: " + site + ")"
	}
}

func (g *Guard) authorized(r *http.Request) bool {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(g.token)) == 1
	}
	c, err := r.Cookie(CookieName)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(g.cookie)) == 1
}

func isAPI(path string) bool { return strings.HasPrefix(path, "/api/") || path == "/healthz" }

func hostOnly(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
}

// Loopback reports whether a listen address (host:port) stays on this machine:
// localhost or a loopback IP. An empty host, 0.0.0.0, :: and every other name or
// address listen beyond it.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrExposed is wrapped by the errors that refuse to listen beyond this machine
// without a credential.
var ErrExposed = errors.New("listening beyond this machine needs a credential")

func deny(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg}) // a failed write: the client left

}
