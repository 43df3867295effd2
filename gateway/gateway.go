package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/llmtap/llmtap/gateway/cache"
	"github.com/llmtap/llmtap/gateway/keys"
	"github.com/llmtap/llmtap/gateway/translate"
)

// DefaultFirstByteTimeout is File.FirstByteTimeout's zero-value default: how long
// an attempt may wait for its first byte before it is given up and retried.
const DefaultFirstByteTimeout = 60 * time.Second

// Translator rewrites requests and replies between dialects (package
// gateway/translate implements it). Kinds are "openai", "azure", "anthropic",
// "gemini" and "ollama".
type Translator interface {
	// Request rewrites a client's request body (client dialect kind) for a provider
	// of another kind. It returns the provider body and the provider path relative
	// to base_url (e.g. "/messages", "/models/M:streamGenerateContent?alt=sse",
	// "/api/chat").
	Request(clientKind, providerKind, model string, body []byte, stream bool) (out []byte, path string, err error)
	// Response rewrites a provider's whole (non-streamed) reply body for the client.
	Response(clientKind, providerKind, model string, body []byte) ([]byte, error)
	// Stream returns a writer that takes the provider's streamed bytes as they
	// arrive and writes the client's stream to w.
	Stream(clientKind, providerKind, model string, w io.Writer) StreamTranslator
	// StripReasoning drops reasoning blocks tied to another model (thinking
	// signatures) from a request body in kind's dialect.
	StripReasoning(kind string, body []byte) ([]byte, error)
}

// StreamTranslator is one translated stream (gateway/translate's type, so that a
// *translate.Translator is a Translator). Close ends it cleanly; Abort writes the
// client dialect's error event (a cut stream must never look like a clean end).
type StreamTranslator = translate.StreamTranslator

// AuthFunc decides whether a gateway request may go on (forward keys and limits,
// issue 13). status 0 lets it through; otherwise the client gets status with
// reason in its dialect, and Retry-After when retryAfter > 0. keyID names the
// forward key that made the request ("" when none), refused or not; it is set on
// the reply as X-Llmtap-Forward-Key-Id (keys.CaptureHeader), which the proxy moves
// to the captured request header so the capture records it.
type AuthFunc func(r *http.Request, model string) (status int, retryAfter time.Duration, reason, keyID string)

// Config configures a Gateway. The zero value is a gateway with no providers.
type Config struct {
	// Path is the providers file; "" means none (Load still takes bytes).
	Path string
	// Transport sends requests to providers. nil means a transport like the proxy's:
	// no proxy from the environment, many idle connections per host, compression
	// left to the client.
	Transport http.RoundTripper
	// Translator reaches providers of another dialect than the client's. nil means
	// only same-dialect providers are reachable: a model only such providers serve
	// answers 501.
	Translator Translator
	// Auth is consulted before each routed request; nil means the file's
	// forward_keys (see gateway/keys): none lets every request through.
	Auth AuthFunc
	// RequireKeys refuses every routed request (401) while the file has no forward
	// keys: set when the proxy listens beyond loopback, so that a reload that drops
	// the last key does not open the providers to the network.
	RequireKeys bool
	// Cache holds the answers of requests that ask for the response cache
	// ("x-llmtap-cache: on", or cache: true on the model); nil turns the cache off.
	Cache cache.Store
	// Usage, when set, is told the tokens each routed answer reported once it ended
	// (the token limits of forward keys): keyID is AuthFunc's, model the one the
	// client asked for. It runs on the request's goroutine and must not block.
	Usage func(keyID, model string, in, out int64)
	// Now is the clock of cooldowns and statistics; nil means time.Now.
	Now func() time.Time
	// Getenv expands ${NAME} in keys; nil means os.Getenv.
	Getenv func(string) string
	// PollInterval is how often Watch looks at the file's modification time; 0
	// means one second.
	PollInterval time.Duration
	// OnReload, when set, is called by Watch after each reload it attempted, with
	// its error (nil: the new file is in force).
	OnReload func(err error)
	// Log receives the gateway's logs, tagged component=gateway; nil discards them.
	Log *slog.Logger
}

// Gateway routes requests to providers by model. It is safe for concurrent use;
// Load and Reload swap its configuration atomically while requests run.
type Gateway struct {
	cfg       Config
	transport http.RoundTripper
	log       *slog.Logger
	tbl       atomic.Pointer[table]
	loadErr   atomic.Pointer[string] // the last refusal of the file, or nil
	cacheHits atomic.Int64
	guard     *keys.Guard // the file's forward keys (unused when Config.Auth is set)
	// seen is the file's modification time and size when Reload last read it.
	seen atomic.Pointer[fileStamp]
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) *fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return &fileStamp{}
	}
	return &fileStamp{fi.ModTime(), fi.Size()}
}

// New returns a Gateway with no providers. It does no I/O: call Reload (or Load).
func New(cfg Config) *Gateway {
	g := &Gateway{cfg: cfg, transport: cfg.Transport, log: cfg.Log}
	if g.transport == nil {
		g.transport = newTransport()
	}
	if g.cfg.Now == nil {
		g.cfg.Now = time.Now
	}
	if g.cfg.PollInterval <= 0 {
		g.cfg.PollInterval = time.Second
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.log = g.log.With("component", "gateway")
	g.guard, _ = keys.NewGuard(nil, g.cfg.Now)
	empty, _ := newTable(&File{Strategy: RoundRobin, Models: map[string]ModelSpec{}}, nil)
	g.tbl.Store(empty)
	return g
}

// Open is New followed by Reload: a missing or bad file is an error.
func Open(cfg Config) (*Gateway, error) {
	g := New(cfg)
	if err := g.Reload(); err != nil {
		return nil, err
	}
	return g, nil
}

// Load replaces the configuration with data. A bad file is refused (the error
// wraps ErrConfig and names the line and field) and the configuration in force
// stays; keys that are in both keep their health and statistics.
func (g *Gateway) Load(data []byte) error {
	f, err := Parse(data, g.cfg.Getenv)
	if err == nil {
		var t *table
		if t, err = newTable(f, g.tbl.Load()); err == nil {
			if err = g.guard.Replace(f.ForwardKeys); err != nil {
				err = fmt.Errorf("%w: %w", ErrConfig, err) // Parse validated them: not expected
				goto refused
			}
			g.tbl.Store(t)
			g.loadErr.Store(nil)
			return nil
		}
	}
refused:
	msg := err.Error()
	g.loadErr.Store(&msg)
	return err
}

// Reload reads Config.Path again (see Load).
func (g *Gateway) Reload() error {
	// Stamped before reading: a change made while reading is seen by the next poll.
	g.seen.Store(stamp(g.cfg.Path))
	data, err := os.ReadFile(g.cfg.Path)
	if err != nil {
		return fmt.Errorf("read providers file: %w", err)
	}
	if err := g.Load(data); err != nil {
		return fmt.Errorf("providers file %s: %w", g.cfg.Path, err)
	}
	return nil
}

// Watch reloads the file whenever its modification time or size changes, until
// ctx ends. It polls (Config.PollInterval) rather than using inotify: editors save
// by renaming a new file over the old one, which ends an inotify watch, and
// polling one stat a second costs nothing and works on every file system. A bad
// file is logged and the last good configuration stays.
func (g *Gateway) Watch(ctx context.Context) {
	t := time.NewTicker(g.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, last := stamp(g.cfg.Path), g.seen.Load()
		// An empty file is one being written (truncated, not yet filled): wait for it.
		if now.mod.IsZero() || now.size == 0 || (last != nil && *now == *last) {
			continue
		}
		err := g.Reload()
		if err != nil {
			g.log.Warn("providers file refused; the last good one stays", "err", err)
		} else {
			g.log.Info("providers file reloaded", "path", g.cfg.Path)
		}
		if g.cfg.OnReload != nil {
			g.cfg.OnReload(err)
		}
	}
}

// Routing implements proxy.Gateway: whether any provider is configured. With none,
// Route routes nothing, so the proxy need not read a body whole to ask it.
func (g *Gateway) Routing() bool { return len(g.tbl.Load().providers) > 0 }

// Route implements proxy.Gateway: it decides for an origin-form request that named
// no host or route. It returns the RoundTripper that carries the request when a
// provider serves its model; answers GET /v1/models itself, and a model nobody
// serves with a 404 listing the models there are (unless hasTarget, when the
// request goes on to the proxy's target).
func (g *Gateway) Route(w http.ResponseWriter, r *http.Request, body []byte, hasTarget bool) (http.RoundTripper, bool) {
	t := g.tbl.Load()
	if len(t.providers) == 0 {
		return nil, false
	}
	if r.Method == http.MethodGet && (r.URL.Path == "/v1/models" || r.URL.Path == "/models") {
		if status, ra, reason, id := g.auth(r, ""); status != 0 {
			resp := authError(r, KindOpenAI, status, ra, reason, id)
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
			return nil, true
		}
		g.serveModels(w, t)
		return nil, true
	}
	kind, rel, ok := clientKind(r.Method, r.URL.Path)
	if !ok {
		return nil, false
	}
	if r.URL.RawQuery != "" {
		rel += "?" + r.URL.RawQuery
	}
	model, stream := readRequest(kind, r.URL.Path, body)
	tiers := t.resolve(model)
	if len(tiers) == 0 {
		if hasTarget {
			return nil, false
		}
		msg := fmt.Sprintf("no provider serves model %q; the models there are: %s", model, strings.Join(t.modelNames(), ", "))
		writeError(w, KindOpenAI, http.StatusNotFound, "invalid_request_error", "model_not_found", msg, 0)
		return nil, true
	}
	return &request{g: g, t: t, kind: kind, rel: rel, model: model, stream: stream, body: body, tiers: tiers}, true
}

// serveModels answers GET /v1/models in OpenAI's shape.
func (g *Gateway) serveModels(w http.ResponseWriter, t *table) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, m := range t.modelNames() {
		out.Data = append(out.Data, model{ID: m, Object: "model", OwnedBy: t.owner(m)})
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// Models returns every model a client may ask for (exact names of enabled
// providers and aliases), sorted.
func (g *Gateway) Models() []string { return g.tbl.Load().modelNames() }

// LoadError is the reason the file was last refused, or "" when the configuration
// in force is the file's latest.
func (g *Gateway) LoadError() string {
	if p := g.loadErr.Load(); p != nil {
		return *p
	}
	return ""
}

// ForwardKeys lists the forward keys in force and their usage (never a key).
func (g *Gateway) ForwardKeys() []keys.KeyUsage { return g.guard.List() }

// ForwardKeysRequired reports whether gateway requests must carry a forward key.
func (g *Gateway) ForwardKeysRequired() bool { return g.cfg.Auth != nil || g.guard.Enabled() }

// HasProviders reports whether any provider is configured.
func (g *Gateway) HasProviders() bool { return len(g.tbl.Load().providers) > 0 }

// auth is Config.Auth, or the forward keys' verdict.
func (g *Gateway) auth(r *http.Request, model string) (status int, retryAfter time.Duration, reason, keyID string) {
	if g.cfg.Auth != nil {
		return g.cfg.Auth(r, model)
	}
	if g.cfg.RequireKeys && !g.guard.Enabled() {
		return http.StatusUnauthorized, 0, "llmtap listens beyond this machine and its providers file has no forward_keys: " +
			"add one (the Providers page, or POST /api/forward-keys) and send it as the API key", ""
	}
	v := g.guard.Check(r, model)
	if v.OK() {
		return 0, 0, "", v.KeyID
	}
	return v.Status, v.RetryAfter, v.Reason, v.KeyID
}

// CacheHit counts a reply served from the response cache (see Metrics).
func (g *Gateway) CacheHit() { g.cacheHits.Add(1) }

// newTransport is Config.Transport's default.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableCompression:  true,
	}
}

// jitter returns a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// Path is the providers file.
func (g *Gateway) Path() string { return g.cfg.Path }

// CacheMaxBytes is the file's cache.max_mb in bytes; 0 when unset.
func (g *Gateway) CacheMaxBytes() int64 {
	if c := g.tbl.Load().file.Cache; c != nil {
		return int64(c.MaxMB) << 20
	}
	return 0
}
