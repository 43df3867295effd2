package proxy

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/llmtap/llmtap/dataset"
)

// defaultProbes are the paths internet scanners try on any listener they find
// (secrets in dot files, admin consoles, CGI and PHP holes). None is an LLM API
// path. Read-only; see DefaultProbes for the pattern syntax.
var defaultProbes = []string{
	"/.env", "/.env.*", "/.git/*", "/.svn/*", "/.hg/*", "/.aws/*", "/.ssh/*", "/.DS_Store",
	"/wp-login.php", "/wp-admin*", "/wp-content/*", "/wp-includes/*", "/xmlrpc.php", "*.php",
	"/actuator", "/actuator/*", "/cgi-bin/*", "/phpmyadmin*", "/pma/*", "/myadmin/*",
	"/server-status", "/vendor/phpunit/*", "/boaform/*", "/hnap1*", "/owa/*", "/solr/*",
	"/console/*", "/manager/html", "/telescope/*", "/_ignition/*", "/debug/default/view",
	"*.asp", "*.aspx", "*.jsp", "*.cgi", "/config.json", "/.vscode/*", "/.idea/*",
}

// DefaultProbes returns the built-in probe list (Config.Probes' nil default). A
// pattern matches a request path case-insensitively, at the start of the path or
// after any "/" in it (so "/.env" also refuses "/backend/.env"):
//
//   - "/x" matches the path "/x" exactly (or ending in "/x");
//   - "/x*" matches paths starting with "/x" ("/phpmyadmin*", "/actuator/*");
//   - "*.php" matches paths ending in ".php".
//
// The caller owns the slice.
func DefaultProbes() []string { return append([]string(nil), defaultProbes...) }

// CheckProbe reports what is wrong with one probe pattern, or nil.
func CheckProbe(p string) error {
	switch {
	case p == "" || p == "/" || p == "*" || p == "/*":
		return fmt.Errorf("probe pattern %q: would refuse every path", p)
	case p[0] != '/' && p[0] != '*':
		return fmt.Errorf("probe pattern %q: must start with / (a path) or * (an ending such as *.php)", p)
	case strings.Contains(p[1:len(p)-1], "*"):
		return fmt.Errorf("probe pattern %q: * may only start or end it", p)
	}
	return nil
}

// probeFilter is the Server's current probe list and the count of requests it
// turned away. The list is swapped whole by SetProbes, so a request sees one list.
type probeFilter struct {
	list    atomic.Pointer[probes]
	refused atomic.Int64
}

// probes is a compiled probe list. Read-only once made.
type probes struct {
	exact, prefix, suffix []string // lowercased
}

// newProbes compiles list; nil means DefaultProbes, empty means none.
func newProbes(list []string) (*probes, error) {
	if list == nil {
		list = defaultProbes
	}
	p := &probes{}
	for _, e := range list {
		if err := CheckProbe(e); err != nil {
			return nil, err
		}
		e = strings.ToLower(e)
		switch {
		case e[0] == '*':
			p.suffix = append(p.suffix, e[1:])
		case strings.HasSuffix(e, "*"):
			p.prefix = append(p.prefix, e[:len(e)-1])
		default:
			p.exact = append(p.exact, e)
		}
	}
	return p, nil
}

// match reports whether path is a probe: it matches a pattern and is no LLM API
// path of any dialect (those are never refused, whatever the list says).
func (p *probes) match(path string) bool {
	if len(p.exact)+len(p.prefix)+len(p.suffix) == 0 || isLLMPath(path) {
		return false
	}
	lp := strings.ToLower(path)
	for _, s := range p.suffix {
		if strings.HasSuffix(lp, s) {
			return true
		}
	}
	// Try the pattern at every segment start: scanners prefix their paths too.
	for i := 0; i < len(lp); i++ {
		if lp[i] != '/' {
			continue
		}
		rest := lp[i:]
		for _, e := range p.exact {
			if rest == e {
				return true
			}
		}
		for _, pre := range p.prefix {
			if strings.HasPrefix(rest, pre) {
				return true
			}
		}
	}
	return false
}

// isLLMPath reports whether path is an API path of a dialect llmtap knows, for any
// method.
func isLLMPath(path string) bool {
	return dataset.DetectDialect(http.MethodPost, path) != dataset.Unknown ||
		dataset.DetectDialect(http.MethodGet, path) != dataset.Unknown
}

// refuseProbe answers a scanner's probe with a bare 404: nothing forwarded, nothing
// captured, and no hint of what llmtap is.
func (s *Server) refuseProbe(w http.ResponseWriter, r *http.Request) {
	s.probe.refused.Add(1)
	s.log.Debug("probe refused", "method", r.Method, "path", r.URL.Path)
	http.NotFound(w, r)
}

// ProbesRefused returns how many requests matched the probe list (Config.Probes)
// and were turned away since the Server was made. Safe for concurrent use.
func (s *Server) ProbesRefused() int64 { return s.probe.refused.Load() }

// SetProbes replaces the probe list (Config.Probes, with the same nil default) for
// the requests that arrive from now on, or returns the first invalid pattern's
// error and keeps the list. Safe to call concurrently with ServeHTTP.
func (s *Server) SetProbes(list []string) error {
	p, err := newProbes(list)
	if err != nil {
		return err
	}
	s.probe.list.Store(p)
	return nil
}
