package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// behavior is how a fake provider answers one key.
type behavior struct {
	status     int    // 0: 200
	retryAfter string // Retry-After on a 429
	stall      bool   // never send a first byte (until the request ends)
	cutAfter   int    // in a stream: cut the connection after this many chunks (0: never)
}

// fakeProvider is an OpenAI-compatible (or Anthropic) API that fails per key as told.
type fakeProvider struct {
	name string
	kind string
	srv  *httptest.Server

	mu     sync.Mutex
	behave map[string]behavior
	hits   map[string]int // by key
	seen   []seenReq
}

type seenReq struct {
	path, key, model string
	header           http.Header
	body             []byte
}

// newFake starts a fake provider of kind ("openai" or "anthropic").
func newFake(t *testing.T, name, kind string) *fakeProvider {
	t.Helper()
	f := &fakeProvider{name: name, kind: kind, behave: map[string]behavior{}, hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProvider) set(key string, b behavior) {
	f.mu.Lock()
	f.behave[key] = b
	f.mu.Unlock()
}

func (f *fakeProvider) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[key]
}

func (f *fakeProvider) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.hits {
		n += v
	}
	return n
}

func (f *fakeProvider) last() seenReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[len(f.seen)-1]
}

func (f *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if f.kind == KindAnthropic {
		key = r.Header.Get("X-Api-Key")
	}
	var req struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	_ = json.Unmarshal(body, &req)
	f.mu.Lock()
	b := f.behave[key]
	f.hits[key]++
	f.seen = append(f.seen, seenReq{path: r.URL.Path, key: key, model: req.Model, header: r.Header.Clone(), body: body})
	f.mu.Unlock()

	switch {
	case b.stall:
		<-r.Context().Done()
		return
	case b.status != 0:
		if b.retryAfter != "" {
			w.Header().Set("Retry-After", b.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.status)
		fmt.Fprintf(w, `{"error":{"message":"fake %d for %s"}}`, b.status, f.name)
		return
	}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":"hi from %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3}}`, req.Model, f.name)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	rc := http.NewResponseController(w)
	for i := range 4 {
		if b.cutAfter > 0 && i == b.cutAfter {
			conn, _, err := rc.Hijack()
			if err == nil {
				conn.Close() // mid-body: the chunked stream never ends
			}
			return
		}
		fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"part%d \"}}]}\n\n", i)
		_ = rc.Flush()
	}
	fmt.Fprint(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":4}}\n\ndata: [DONE]\n\n")
}

// clock is a controllable clock for cooldowns.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestGateway loads yaml into a gateway serving behind an httptest server (no
// proxy: the handler below plays the proxy's part with the same contract).
func newTestGateway(t *testing.T, yaml string, cfg Config) (*Gateway, *httptest.Server) {
	t.Helper()
	g := New(cfg)
	if err := g.Load([]byte(yaml)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	srv := httptest.NewServer(routeHandler(g, false))
	t.Cleanup(srv.Close)
	return g, srv
}

// routeHandler is the smallest proxy around g: it routes, relays, and cuts the
// connection when the body fails, as proxy.Server does.
func routeHandler(g *Gateway, hasTarget bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rt, answered := g.Route(w, r, body, hasTarget)
		if rt == nil {
			if !answered {
				http.Error(w, "passed", http.StatusTeapot)
			}
			return
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://gateway.invalid"+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		resp, err := rt.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		rc := http.NewResponseController(w)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				_, _ = w.Write(buf[:n])
				_ = rc.Flush()
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				panic(http.ErrAbortHandler)
			}
		}
	})
}

// post sends a JSON body to srv+path with the client key and returns status,
// headers and the body read until the end or a cut (err says which).
func post(t *testing.T, url, path, body string) (int, http.Header, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer client-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), rerr
}

// yamlFor writes a providers file for the fakes, each with the given keys.
func yamlFor(extra string, provs ...providerYAML) string {
	var b strings.Builder
	b.WriteString("providers:\n")
	for _, p := range provs {
		fmt.Fprintf(&b, "  - name: %s\n    kind: %s\n    base_url: %s\n    keys: [%s]\n    models: [%s]\n",
			p.f.name, p.f.kind, p.f.srv.URL+"/v1", strings.Join(p.keys, ", "), strings.Join(p.models, ", "))
		if p.weight > 0 {
			fmt.Fprintf(&b, "    weight: %d\n", p.weight)
		}
	}
	b.WriteString(extra)
	return b.String()
}

type providerYAML struct {
	f      *fakeProvider
	keys   []string
	models []string
	weight int
}
