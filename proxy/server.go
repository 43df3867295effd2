package proxy

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

const (
	// defaultMaxBody is Config.MaxBody's zero-value default.
	defaultMaxBody = 32 << 20
	// defaultCaptureLimit is Config.CaptureLimit's zero-value default. It equals
	// defaultMaxBody so that no accepted request body is ever cut in the capture.
	defaultCaptureLimit = 32 << 20

	// DefaultBodyTimeout is Config.BodyTimeout's zero-value default: 32 MiB arrives
	// in it at a little over 2 Mbit/s, while a client trickling its body is cut.
	DefaultBodyTimeout = 2 * time.Minute
	// DefaultIdleTimeout is Config.IdleTimeout's zero-value default, also the one the
	// app gives its listeners' http.Server. It is longer than the clients' own (Go's
	// transport keeps an idle connection 90 s, Node's and Python's a few seconds), so
	// it is the client that closes, and never while it sends a request.
	DefaultIdleTimeout = 2 * time.Minute
)

// Config configures a Server. The zero value is a Server that answers /healthz and
// host-in-path requests for the built-in hosts (see KnownHosts) and discards captures.
type Config struct {
	// Target is the base URL for origin-form requests that match neither a known
	// host nor a route: POST /v1/chat/completions goes to Target+"/v1/chat/completions".
	// A path prefix in Target is kept. "" means no default upstream (404 instead).
	Target string

	// Routes maps a route NAME to a base URL: /NAME/v1/x goes to URL+"/v1/x", keeping
	// any path prefix of URL. Names are case-sensitive and must not contain "/" or
	// collide with an allowed host.
	Routes map[string]string

	// AllowHosts extends the built-in host-in-path allow list. A bare host
	// ("llm.example.com") is reached over https; an entry with a scheme
	// ("http://127.0.0.1:5000") is reached with that scheme, and /127.0.0.1:5000/...
	// selects it. Entries with a scheme must not carry a path, query or user info.
	AllowHosts []string

	// MaxBody is the largest request body accepted; a larger one gets 413 and is not
	// forwarded. 0 means 32 MiB.
	MaxBody int64

	// CaptureLimit is the most bytes of each body (request and response) kept in the
	// captured Exchange; beyond it Exchange.Truncated is set. The client and upstream
	// still get every byte. 0 means 32 MiB.
	CaptureLimit int64

	// SpillDir is a folder where the capture of a request body that is forwarded as
	// it arrives (over 1 MiB) is kept, compressed, once it passes 1 MiB, rather than
	// in memory: two 30 MB requests arriving at once otherwise hold ~9 MB each until
	// they end. Its files have no name where the system allows (they go with the
	// process); elsewhere zpool.RemoveSpilled clears them at start. "" keeps every
	// capture in memory.
	SpillDir string

	// BodyTimeout bounds the time to receive a request body, from the end of its
	// headers; a body that takes longer gets 408 and is not forwarded (its exchange is
	// captured with the reason in Err). Streamed replies and WebSocket sessions are
	// never cut by it. 0 means DefaultBodyTimeout; negative means no limit.
	BodyTimeout time.Duration

	// IdleTimeout closes a keep-alive connection decrypted in MITM mode that waits
	// longer than this for its next request (the caller sets its own listener's
	// http.Server.IdleTimeout). Streams in flight are not idle. 0 means
	// DefaultIdleTimeout; negative means never.
	IdleTimeout time.Duration

	// Transport sends requests upstream. It is used as an http.RoundTripper, so
	// redirects are relayed to the client, never followed. nil means a clone of
	// http.DefaultTransport with more idle connections per host, HTTP/2 allowed,
	// transparent decompression off and no proxy taken from the environment (so a
	// system proxy pointing at llmtap itself cannot loop).
	Transport http.RoundTripper

	// Sink receives one Exchange per proxied request while capture is on. nil
	// discards them.
	Sink Sink

	// Log receives the Server's logs, tagged component=proxy. nil discards them.
	Log *slog.Logger

	// AccessToken, when set, is required on every proxied request, as
	// "Proxy-Authorization: Basic base64(ANY:TOKEN)", "Proxy-Authorization: Bearer
	// TOKEN" or "X-Llmtap-Token: TOKEN"; without it a request gets 407 (CONNECT and
	// absolute-form, with Proxy-Authenticate) or 401 (every other form), is not
	// forwarded and is not captured. Requests inside a decrypted CONNECT tunnel were
	// authorized by their CONNECT. GET /healthz and CORS preflights from allowed
	// origins need no token. These headers are stripped before forwarding and never
	// captured. "" means no token is needed: only safe on loopback.
	AccessToken string

	// AllowOrigins are the web page origins ("https://chat.example.com",
	// "http://10.0.0.5:*" for any port) whose browser requests the proxy serves,
	// besides the loopback ones (http and https on localhost, 127.0.0.1 and [::1],
	// any port), which are always allowed. A request addressed to llmtap with any
	// other Origin, or with Sec-Fetch-Site: cross-site and no Origin, gets 403 and is
	// neither forwarded nor captured, so a web page cannot use the proxy to write
	// into the dataset. Clients that are not browsers send neither header. nil allows
	// only loopback pages.
	AllowOrigins []string

	// Probes are path patterns of internet scanners (see DefaultProbes for the
	// syntax): a request addressed to llmtap whose path matches one, and is no LLM
	// API path of any dialect, gets a bare 404 at once and is neither forwarded nor
	// captured; ProbesRefused counts them. nil means DefaultProbes; an empty,
	// non-nil list refuses nothing.
	Probes []string

	// Gateway routes origin-form requests that name no host or route by the model
	// their body asks for (package gateway). nil means none: such requests go to
	// Target, or get 404.
	Gateway Gateway

	// MITM turns on the HTTP(S) proxy mode: CONNECT and absolute-form requests are
	// accepted, capture hosts decrypted and recorded, other hosts tunnelled. nil
	// means off: such requests get 501.
	MITM *MITMConfig
}

// Server is llmtap's proxy handler. It routes each request to an upstream, relays the
// response byte for byte as it arrives, and hands a redacted copy of the exchange to
// the Sink. A Server is safe for concurrent use; the caller owns the listener.
type Server struct {
	target       atomic.Pointer[url.URL] // nil: no default upstream; SetTarget changes it live
	routes       map[string]*url.URL
	hosts        map[string]*url.URL // lowercased host[:port] → base URL
	maxBody      int64
	captureLimit int64
	spillDir     string
	bodyTimeout  time.Duration // <= 0: none
	idleTimeout  time.Duration // < 0: never
	transport    http.RoundTripper
	gateway      Gateway // nil: none
	sink         Sink
	log          *slog.Logger
	off          atomic.Bool // capture off; the zero value means capturing
	mitm         *mitm       // nil unless Config.MITM is set
	sessions     sessions    // upgraded (WebSocket) connections in progress
	problems     problems    // recent requests no route matched
	access       access
	probe        probeFilter
}

// New validates cfg and returns a Server. The error names the offending value. New
// does no I/O.
func New(cfg Config) (*Server, error) {
	s := &Server{
		routes:       make(map[string]*url.URL, len(cfg.Routes)),
		maxBody:      cfg.MaxBody,
		captureLimit: cfg.CaptureLimit,
		spillDir:     cfg.SpillDir,
		bodyTimeout:  cmp.Or(cfg.BodyTimeout, DefaultBodyTimeout),
		idleTimeout:  cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout),
		transport:    cfg.Transport,
		gateway:      cfg.Gateway,
		sink:         cfg.Sink,
		log:          cfg.Log,
	}
	if s.maxBody < 0 {
		return nil, fmt.Errorf("max body %d: must not be negative", s.maxBody)
	}
	if s.maxBody == 0 {
		s.maxBody = defaultMaxBody
	}
	if s.captureLimit < 0 {
		return nil, fmt.Errorf("capture limit %d: must not be negative", s.captureLimit)
	}
	if s.captureLimit == 0 {
		s.captureLimit = defaultCaptureLimit
	}
	if s.transport == nil {
		s.transport = newTransport()
	}
	if s.sink == nil {
		s.sink = SinkFunc(discard)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "proxy")

	var err error
	if s.access, err = newAccess(cfg.AccessToken, cfg.AllowOrigins); err != nil {
		return nil, err
	}
	if err = s.SetProbes(cfg.Probes); err != nil {
		return nil, err
	}
	hosts, err := allowList(cfg.AllowHosts)
	if err != nil {
		return nil, err
	}
	s.hosts = hosts
	if err := s.SetTarget(cfg.Target); err != nil {
		return nil, err
	}
	for name, raw := range cfg.Routes {
		if err := s.addRoute(name, raw); err != nil {
			return nil, err
		}
	}
	if cfg.MITM != nil {
		if s.mitm, err = newMITM(s, *cfg.MITM); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// SetCapture turns capture on or off. While off, requests are still forwarded but no
// Exchange is emitted. A request's capture is decided when it arrives. Capture is on
// by default. SetCapture is safe to call concurrently with ServeHTTP.
func (s *Server) SetCapture(on bool) { s.off.Store(!on) }

// Capturing reports whether capture is on.
func (s *Server) Capturing() bool { return !s.off.Load() }

// ServeHTTP routes r and proxies it, or answers GET /healthz itself with
// {"ok":true}. Routes are tried in order: host-in-path (/HOST/...), named route
// (/NAME/...), then Target; with none matching it answers 404. Errors llmtap makes
// itself (401, 403, 404, 407, 408, 413, 502) are JSON in the OpenAI error shape, with
// an X-Llmtap-Error header holding the code. Requests without Config.AccessToken, and
// browser requests from pages not in Config.AllowOrigins, are refused before
// anything is forwarded or captured.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Forward-proxy requests (CONNECT, absolute-form) get their own handler (see
	// mitm.go); decrypted requests come back through s.forward. Their Origin is the
	// upstream's business: the request is addressed to it, not to llmtap.
	if r.Method == http.MethodConnect || r.URL.IsAbs() {
		if !s.access.authorized(r) {
			s.refuseUnauthorized(w, r, true)
			return
		}
		r.Header.Del(tokenHeader)
		s.serveProxyForm(w, r)
		return
	}
	s.serveDirect(w, r, true)
}

// serveDirect serves a request addressed to llmtap itself (origin-form): it refuses
// foreign pages, answers /healthz, checks the access token when checkToken is set
// (the request was not authorized as a proxy form already), and proxies the rest.
func (s *Server) serveDirect(w http.ResponseWriter, r *http.Request, checkToken bool) {
	if s.access.crossSite(r) {
		s.refuseCrossSite(w, r)
		return
	}
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"ok":true}`))
		return
	}
	// Before the token check: a scanner learns nothing, not even that a token is asked.
	if s.probe.list.Load().match(r.URL.Path) {
		s.refuseProbe(w, r)
		return
	}
	if checkToken && !s.access.authorized(r) && !isPreflight(r) {
		s.refuseUnauthorized(w, r, false)
		return
	}
	r.Header.Del(tokenHeader)
	up, route, ok := s.resolve(r)
	if s.gateway != nil && (!ok || route == "target") {
		s.serveGateway(w, r, up)
		return
	}
	if !ok {
		s.unknownRoute(w, r)
		return
	}
	s.forward(w, r, up, route)
}

// discard is the Sink used when Config.Sink is nil.
func discard(context.Context, *Exchange) {}
