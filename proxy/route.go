package proxy

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// knownHosts are the LLM API hosts reachable in host-in-path form without any
// configuration, always over https. Read-only.
var knownHosts = []string{
	"api.openai.com",
	"api.anthropic.com",
	"api.deepseek.com",
	"api.moonshot.cn",
	"api.moonshot.ai",
	"api.siliconflow.cn",
	"dashscope.aliyuncs.com",
	"dashscope-intl.aliyuncs.com",
	"openrouter.ai",
	"api.groq.com",
	"api.mistral.ai",
	"api.together.xyz",
	"generativelanguage.googleapis.com",
	"models.github.ai",
	"models.inference.ai.azure.com",
	// Rerank, embedding and more chat APIs (issue 15). Moonshot's, DeepSeek's, Zhipu's
	// and MiniMax's Anthropic-style paths (/anthropic/v1/messages) need no host of their own.
	"api.jina.ai",
	"deepsearch.jina.ai",
	"api.cohere.com",
	"api.cohere.ai",
	"api.voyageai.com",
	"open.bigmodel.cn",
	"qianfan.baidubce.com",
	"aip.baidubce.com",
	"ark.cn-beijing.volces.com",
	"api.minimax.chat",
	"api.minimaxi.com",
	"api.x.ai",
	"api.perplexity.ai",
	"api.fireworks.ai",
}

// KnownHosts returns the built-in host-in-path allow list: a request to
// /HOST/path on the proxy goes to https://HOST/path. The caller owns the slice.
func KnownHosts() []string {
	return append([]string(nil), knownHosts...)
}

// allowList builds the host-in-path table from the built-in hosts and extra entries.
func allowList(extra []string) (map[string]*url.URL, error) {
	hosts := make(map[string]*url.URL, len(knownHosts)+len(extra))
	for _, h := range knownHosts {
		hosts[h] = &url.URL{Scheme: "https", Host: h, Path: "/"}
	}
	for _, e := range extra {
		u, err := parseAllowHost(e)
		if err != nil {
			return nil, err
		}
		hosts[strings.ToLower(u.Host)] = u
	}
	return hosts, nil
}

// parseAllowHost parses one Config.AllowHosts entry: a bare host or scheme://host.
func parseAllowHost(e string) (*url.URL, error) {
	if !strings.Contains(e, "://") {
		if e == "" || strings.ContainsAny(e, "/?#@ ") {
			return nil, fmt.Errorf("allowed host %q: want a host such as llm.example.com or a base URL such as http://127.0.0.1:5000", e)
		}
		return &url.URL{Scheme: "https", Host: e, Path: "/"}, nil
	}
	u, err := parseBaseURL(e)
	if err != nil {
		return nil, fmt.Errorf("allowed host: %w", err)
	}
	if u.Path != "/" {
		return nil, fmt.Errorf("allowed host %q: must not have a path; use a route for path prefixes", e)
	}
	return u, nil
}

// parseBaseURL parses an upstream base URL: http or https, a host, and optionally a
// path prefix, but no query, fragment or user info. The path is never empty.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("url %q: scheme must be http or https", raw)
	case u.Host == "":
		return nil, fmt.Errorf("url %q: missing host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("url %q: user info is not supported; send credentials as headers", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("url %q: must not have a query or fragment", raw)
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	return u, nil
}

func (s *Server) addRoute(name, raw string) error {
	switch {
	case name == "" || strings.ContainsAny(name, "/?#% "):
		return fmt.Errorf("route %q: name must be non-empty without '/', '?', '#', '%%' or spaces", name)
	case s.hosts[strings.ToLower(name)] != nil:
		return fmt.Errorf("route %q: name is an allowed host, so host-in-path would shadow the route", name)
	}
	u, err := parseBaseURL(raw)
	if err != nil {
		return fmt.Errorf("route %q: %w", name, err)
	}
	s.routes[name] = u
	return nil
}

// resolve picks the upstream URL for r: host-in-path, then named route, then target.
// route is the Exchange.Route value.
func (s *Server) resolve(r *http.Request) (up *url.URL, route string, ok bool) {
	p := r.URL.EscapedPath()
	seg, rest := p, ""
	if len(seg) > 0 && seg[0] == '/' {
		seg = seg[1:]
	}
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg, rest = seg[:i], seg[i:]
	}
	if seg != "" {
		host := strings.ToLower(seg)
		if base := s.hosts[host]; base != nil {
			return joinURL(base, rest, r.URL.RawQuery), "host:" + host, true
		}
		if base := s.routes[seg]; base != nil {
			return joinURL(base, rest, r.URL.RawQuery), "route:" + seg, true
		}
	}
	if t := s.target.Load(); t != nil {
		return joinURL(t, p, r.URL.RawQuery), "target", true
	}
	return nil, "", false
}

// joinURL appends the escaped path rest to base's path, keeping base's prefix.
func joinURL(base *url.URL, rest, rawQuery string) *url.URL {
	u := *base
	ep := strings.TrimSuffix(base.EscapedPath(), "/") + rest
	if ep == "" || ep[0] != '/' {
		ep = "/" + ep
	}
	p, err := url.PathUnescape(ep)
	if err != nil {
		// Both halves came from parsed URLs, so this cannot happen; keep the raw text.
		p = ep
	}
	u.Path, u.RawPath, u.RawQuery = p, ep, rawQuery
	return &u
}

// SetTarget changes Config.Target while the Server runs: requests that arrive after it
// returns use the new base URL, "" removes it. It forgets the recent problems (see
// Problems): they were about the setup it changes. A bad URL is refused and nothing
// changes. Safe for concurrent use with ServeHTTP.
func (s *Server) SetTarget(raw string) error {
	var u *url.URL
	if raw != "" {
		var err error
		if u, err = parseBaseURL(raw); err != nil {
			return fmt.Errorf("target: %w", err)
		}
	}
	s.target.Store(u)
	s.problems.clear()
	return nil
}

// Target returns the base URL origin-form requests go to, or "" when none is set.
func (s *Server) Target() string {
	if t := s.target.Load(); t != nil {
		return t.String()
	}
	return ""
}

// Resolve returns the upstream URL a request for path (origin-form, with an optional
// query) would go to and its Exchange.Route, or ok false when no route form matches
// and the request would get a 404. It does no I/O.
func (s *Server) Resolve(path string) (upstream, route string, ok bool) {
	r, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return "", "", false
	}
	up, route, ok := s.resolve(r)
	if !ok {
		return "", "", false
	}
	return up.String(), route, true
}

// unknownRoute answers a request that matches no route form with a 404 that says
// what to change, and keeps it in the recent problems (see Problems): nothing was
// forwarded, so there is no exchange to capture.
func (s *Server) unknownRoute(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("unknown route", "method", r.Method, "path", r.URL.Path)
	p := s.problems.add(r, s.routes)
	writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_route", unroutableText(p, "http://"+r.Host))
}

// unroutableText is the 404's message for p: what happened, then the fix, most
// likely first. base is the proxy's own address as the client reached it.
func unroutableText(p Problem, base string) string {
	why := fmt.Sprintf("llmtap has no upstream for %s: no target is set. Fix: open llmtap's window and pick "+
		"your provider on its first page (or set Target in Settings), or start llmtap with --target URL, "+
		"e.g. --target https://api.openai.com. ", p.Path)
	if p.Kind == ProblemUnknownRoute {
		why = fmt.Sprintf("llmtap has no upstream for %s: %q is not one of the routes (%s) or a known host, "+
			"and no target is set. Fix: check the client's base URL, add the route in Settings (or --route %s=URL), "+
			"or set a target. ", p.Path, p.First, strings.Join(p.Routes, ", "), p.First)
	}
	return why + fmt.Sprintf("The ways to address an upstream: "+
		"(1) host in path, for known LLM hosts: %s/api.openai.com/v1/chat/completions; "+
		"(2) a named route (--route NAME=URL, e.g. --route local=http://127.0.0.1:5000/v1), "+
		"then %s/local/chat/completions; "+
		"(3) a default target for plain paths (--target https://api.openai.com), then %s/v1/chat/completions",
		base, base, base)
}
