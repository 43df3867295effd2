package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// blockingSink is a Sink that stands for a durable one: Capture blocks until the test
// releases it. When Capture is entered it reports what the proxy's connection had
// written to the client by then (when the test watches one), and it marks when it
// returns, so the client can check that the end of its answer came after.
type blockingSink struct {
	entered  chan []byte // what the client connection had been sent when Capture began
	release  chan struct{}
	returned atomic.Bool
	wire     *wireLog // nil: nothing watched
	ex       *proxy.Exchange
}

func newBlockingSink(wire *wireLog) *blockingSink {
	return &blockingSink{entered: make(chan []byte, 1), release: make(chan struct{}), wire: wire}
}

func (s *blockingSink) Capture(_ context.Context, ex *proxy.Exchange) {
	s.ex = ex
	s.entered <- s.wire.bytes()
	<-s.release
	s.returned.Store(true)
}

// wireLog keeps every byte a server wrote to its connections.
type wireLog struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (l *wireLog) bytes() []byte {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.out.Bytes())
}

type wireListener struct {
	net.Listener
	log *wireLog
}

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wireConn{c, l.log}, nil
}

type wireConn struct {
	net.Conn
	log *wireLog
}

func (c wireConn) Write(p []byte) (int, error) {
	// Logged before the bytes can reach the client.
	c.log.mu.Lock()
	c.log.out.Write(p)
	c.log.mu.Unlock()
	return c.Conn.Write(p)
}

// startWatchedProxy serves a proxy whose client connections are logged in wire.
func startWatchedProxy(t *testing.T, cfg proxy.Config) (*httptest.Server, *wireLog) {
	t.Helper()
	s, err := proxy.New(cfg)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	srv := httptest.NewUnstartedServer(s)
	wire := &wireLog{}
	srv.Listener = wireListener{srv.Listener, wire}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, wire
}

// rawPost sends a POST with body over a new TCP connection to addr and returns the
// connection's reader.
func rawPost(t *testing.T, addr, body string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
	return c, bufio.NewReader(c)
}

// TestCaptureBeforeLastByte checks that a client cannot have the end of its answer
// before the Sink returned: a body of announced length lacks its last byte, a chunked
// one its terminating chunk, and llmtap's own errors are not sent at all.
func TestCaptureBeforeLastByte(t *testing.T) {
	big := strings.Repeat(`{"choices":[{"message":{"content":"durable"}}]}`, 4000) // ~190 KB: several relay chunks
	tests := []struct {
		name     string
		upstream http.HandlerFunc // nil: unreachable
		want     string           // the body the client reads
		status   int
		// sentEarly reports what must not be on the wire when Capture begins.
		sentEarly func(wire []byte) bool
	}{
		{"content_length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		}, big, 200, func(wire []byte) bool {
			_, body, _ := bytes.Cut(wire, []byte("\r\n\r\n"))
			return len(body) >= len(big)
		}},
		{"empty_body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusNoContent)
		}, "", 204, func(wire []byte) bool { return bytes.Contains(wire, []byte("\r\n\r\n")) }},
		{"chunked_sse", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, sseOne)
			http.NewResponseController(w).Flush()
			io.WriteString(w, sseRest)
		}, sseOne + sseRest, 200, func(wire []byte) bool { return bytes.HasSuffix(wire, []byte("\r\n0\r\n\r\n")) }},
		{"unreachable", nil, "", http.StatusBadGateway, func(wire []byte) bool { return len(wire) > 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "http://127.0.0.1:1" // nothing listens on port 1
			if tt.upstream != nil {
				target = startUpstream(t, tt.upstream).URL
			}
			sink := newBlockingSink(nil)
			px, wire := startWatchedProxy(t, proxy.Config{Target: target, Sink: sink})
			sink.wire = wire

			type result struct {
				status         int
				body           string
				err            error
				afterCapturing bool // the Sink had returned when the client had the whole answer
			}
			done := make(chan result, 1)
			_, br := rawPost(t, strings.TrimPrefix(px.URL, "http://"), chatBody)
			go func() {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					done <- result{err: err}
					return
				}
				b, err := io.ReadAll(resp.Body) // ends at the last byte, or the terminating chunk
				done <- result{resp.StatusCode, string(b), err, sink.returned.Load()}
			}()

			var early []byte
			select {
			case early = <-sink.entered:
			case res := <-done:
				t.Fatalf("the client had its whole answer (status %d, err %v) before Capture began", res.status, res.err)
			}
			if tt.sentEarly(early) {
				t.Errorf("when Capture began the client had been sent %d bytes, ending %q: the end of the answer went out first", len(early), early[max(0, len(early)-16):])
			}
			close(sink.release)
			res := recv(t, done, "the client to read its answer")
			if res.err != nil || res.status != tt.status || tt.upstream != nil && res.body != tt.want {
				t.Fatalf("client got status %d, %d bytes, err %v; want %d, %d bytes", res.status, len(res.body), res.err, tt.status, len(tt.want))
			}
			if !res.afterCapturing {
				t.Error("the client had its whole answer before Capture returned")
			}
		})
	}
}

// TestMITMCaptureBeforeLastByte checks that decrypted requests, over HTTP/1.1 and
// HTTP/2, take the same path: the client has the whole answer only after the Sink
// returned.
func TestMITMCaptureBeforeLastByte(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 16<<10) // 256 KiB: several relay chunks and TLS records
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Query().Get("stream") == "true" {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, sseOne)
			http.NewResponseController(w).Flush()
			io.WriteString(w, sseRest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		io.WriteString(w, big)
	}))
	up.EnableHTTP2 = true
	up.StartTLS()
	t.Cleanup(up.Close)
	upHost := strings.TrimPrefix(up.URL, "https://")

	tests := []struct {
		name   string
		h2     bool
		stream bool
	}{
		{"http1_content_length", false, false},
		{"http1_chunked", false, true},
		{"http2_content_length", true, false},
		{"http2_stream", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := loadCA(t, t.TempDir())
			sink := newBlockingSink(nil)
			px, _, _ := startProxy(t, proxy.Config{
				MITM: &proxy.MITMConfig{CA: ca}, AllowHosts: []string{upHost},
				Transport: trustingTransport(t, up), Sink: sink,
			})
			proxyURL, _ := url.Parse(px.URL)
			c := proxyClient(t, proxyURL, poolOf(ca.Certificate()), tt.h2)
			want := big
			u := "https://" + upHost + "/v1/chat/completions"
			if tt.stream {
				want, u = sseOne+sseRest, u+"?stream=true"
			}

			type result struct {
				body           string
				proto          string
				err            error
				afterCapturing bool
			}
			done := make(chan result, 1)
			go func() {
				resp, err := c.Post(u, "application/json", strings.NewReader(chatBody))
				if err != nil {
					done <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				done <- result{string(b), resp.Proto, err, sink.returned.Load()}
			}()
			select {
			case <-sink.entered:
			case res := <-done:
				t.Fatalf("the client had its whole answer (%d bytes, err %v) before Capture began", len(res.body), res.err)
			}
			close(sink.release)
			res := recv(t, done, "the client to read its answer")
			if res.err != nil || res.body != want {
				t.Fatalf("client got %d bytes, err %v; want %d bytes", len(res.body), res.err, len(want))
			}
			if wantProto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[tt.h2]; res.proto != wantProto {
				t.Errorf("client spoke %s, want %s", res.proto, wantProto)
			}
			if !res.afterCapturing {
				t.Error("the client had its whole answer before Capture returned")
			}
			if sink.ex.Route != "mitm:"+upHost || string(sink.ex.RespBody) != want {
				t.Errorf("captured route %q and %d body bytes, want %q and %d", sink.ex.Route, len(sink.ex.RespBody), "mitm:"+upHost, len(want))
			}
		})
	}
}
