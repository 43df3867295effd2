package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

// waitLimit bounds every wait in these tests, so a relay bug fails the test instead
// of hanging it until the go test timeout. It is never slept on.
const waitLimit = 10 * time.Second

// recorder is a Sink that passes each Exchange to a channel.
type recorder struct {
	ch chan *proxy.Exchange
}

func newRecorder() *recorder { return &recorder{ch: make(chan *proxy.Exchange, 1024)} }

func (r *recorder) Capture(_ context.Context, ex *proxy.Exchange) { r.ch <- ex }

// next returns the next Exchange the sink receives.
func (r *recorder) next(t *testing.T) *proxy.Exchange {
	t.Helper()
	select {
	case ex := <-r.ch:
		return ex
	case <-time.After(waitLimit):
		t.Fatal("no exchange reached the sink")
		return nil
	}
}

// startProxy serves a proxy.Server for cfg, recording its exchanges unless cfg has
// a Sink already.
func startProxy(t *testing.T, cfg proxy.Config) (*httptest.Server, *proxy.Server, *recorder) {
	t.Helper()
	rec := newRecorder()
	if cfg.Sink == nil {
		cfg.Sink = rec
	}
	if cfg.Log == nil {
		// Exercise the log calls without printing them.
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := proxy.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s, rec
}

// startUpstream serves h as a fake LLM API.
func startUpstream(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client that neither adds nor decodes compression, so tests see
// the bytes on the wire.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// do sends req and returns the response with its whole body.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s %s: %v", req.Method, req.URL, err)
	}
	return resp, body
}

// readChunk reads exactly n bytes from r, failing the test if they don't come.
func readChunk(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("read chunk of %d bytes: %v", n, res.err)
		}
		return res.b
	case <-time.After(waitLimit):
		t.Fatalf("chunk of %d bytes was not relayed while the upstream waited", n)
		return nil
	}
}

// wait fails the test unless ch is closed or sent on in time.
func wait[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// recv returns what ch yields, failing the test unless it comes in time.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// checkTimes checks Start <= FirstByte <= End on ex.
func checkTimes(t *testing.T, ex *proxy.Exchange) {
	t.Helper()
	if ex.Start.IsZero() || ex.FirstByte.IsZero() || ex.End.IsZero() {
		t.Fatalf("exchange times Start=%v FirstByte=%v End=%v, want all set", ex.Start, ex.FirstByte, ex.End)
	}
	if ex.FirstByte.Before(ex.Start) || ex.End.Before(ex.FirstByte) {
		t.Errorf("exchange times Start=%v FirstByte=%v End=%v, want in order", ex.Start, ex.FirstByte, ex.End)
	}
}

// httptestTLS serves a TLS upstream that answers {"tls":true} when reached over TLS.
func httptestTLS(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.TLS == nil {
			http.Error(w, "want TLS", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tls":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}
