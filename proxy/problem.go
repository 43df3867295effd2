package proxy

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxProblems is how many unroutable requests Problems remembers.
const maxProblems = 32

// The kinds of Problem.
const (
	// ProblemNoTarget is a request for a plain path while no target is set and no
	// route is configured: the first request of a person who has set nothing up.
	ProblemNoTarget = "no_target"
	// ProblemUnknownRoute is a request whose first path segment names no route or
	// known host while routes exist and no target is set.
	ProblemUnknownRoute = "unknown_route"
)

// Problem is a request the proxy could not route: it was answered 404 and neither
// forwarded nor captured, so it is in no exchange. Credentials never reach it: only
// the method, the path (no query) and the client's address are kept.
type Problem struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Kind is ProblemNoTarget or ProblemUnknownRoute.
	Kind string `json:"kind"`
	// First is the path's first segment, the route name the client may have meant.
	First string `json:"first"`
	// Routes are the route names configured when it happened, sorted.
	Routes []string `json:"routes,omitempty"`
	// Client is the remote address the request came from.
	Client string `json:"client"`
}

// problems is a ring of the latest unroutable requests and their count since start.
type problems struct {
	mu    sync.Mutex
	ring  []Problem // oldest first, at most maxProblems
	total int64
}

// add records r and returns its Problem; routes says whether any route is configured.
func (p *problems) add(r *http.Request, routes map[string]*url.URL) Problem {
	first := strings.TrimPrefix(r.URL.Path, "/")
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	}
	pr := Problem{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Kind: ProblemNoTarget,
		First: first, Client: r.RemoteAddr}
	if len(routes) > 0 {
		pr.Kind = ProblemUnknownRoute
		for name := range routes {
			pr.Routes = append(pr.Routes, name)
		}
		slices.Sort(pr.Routes)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ring) == maxProblems {
		p.ring = slices.Delete(p.ring, 0, 1)
	}
	p.ring = append(p.ring, pr)
	p.total++
	return pr
}

// clear forgets every problem and the count.
func (p *problems) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ring, p.total = nil, 0
}

// Problems returns the latest requests the proxy could not route (at most 32),
// newest first, and how many there were since it started or since SetTarget last
// changed the setup. They live in memory only: they are about the setup as it is
// now. The caller owns the slice.
func (s *Server) Problems() (recent []Problem, total int64) {
	s.problems.mu.Lock()
	defer s.problems.mu.Unlock()
	recent = slices.Clone(s.problems.ring)
	slices.Reverse(recent)
	return recent, s.problems.total
}
