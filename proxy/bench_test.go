package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These benchmarks compare, in one run, a client talking to a fake upstream directly,
// through a bare httputil.ReverseProxy hop, and through Server (capturing, into a
// discarding Sink). Run them with, e.g.:
//
//	go test -run X -bench . -benchtime 2000x ./proxy

const (
	benchReq  = `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in five words."}],"temperature":0.2}`
	benchResp = `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":7,"total_tokens":32}}`
	benchSSE1 = "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n"
)

// benchHops returns the three ways to reach upstream: its own URL, a ReverseProxy
// hop and a Server hop.
func benchHops(b *testing.B, upstream *httptest.Server) []struct{ name, url string } {
	b.Helper()
	target, _ := url.Parse(upstream.URL)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: newTransport(),
	}
	s, err := New(Config{Target: upstream.URL, Sink: SinkFunc(func(context.Context, *Exchange) {})})
	if err != nil {
		b.Fatal(err)
	}
	bare, ours := httptest.NewServer(rp), httptest.NewServer(s)
	b.Cleanup(bare.Close)
	b.Cleanup(ours.Close)
	return []struct{ name, url string }{
		{"direct", upstream.URL},
		{"reverse_proxy", bare.URL},
		{"llmtap", ours.URL},
	}
}

func benchClient(b *testing.B) *http.Client {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// BenchmarkNonStream measures small JSON round trips at concurrency 16.
func BenchmarkNonStream(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(benchResp)))
		io.WriteString(w, benchResp)
	}))
	b.Cleanup(upstream.Close)
	for _, hop := range benchHops(b, upstream) {
		b.Run(hop.name, func(b *testing.B) {
			c := benchClient(b)
			// RunParallel starts SetParallelism×GOMAXPROCS goroutines.
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, hop.url+"/v1/chat/completions", strings.NewReader(benchReq))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer sk-bench-0123456789abcdefghijklmnop")
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if n != int64(len(benchResp)) {
						b.Errorf("got %d bytes, want %d", n, len(benchResp))
						return
					}
				}
			})
		})
	}
}

// BenchmarkFirstChunk measures the time from sending a streaming request to reading
// its first SSE event. The upstream holds the rest of the stream until the client has
// that event, so a hop that buffers would stall. Streams cut by the hop are counted
// as cuts/op: a bare ReverseProxy cuts some (golang/go#40747).
func BenchmarkFirstChunk(b *testing.B) {
	var releases sync.Map // X-Bench-Id → chan struct{}, closed once the client has the first event
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		release, _ := releases.Load(r.Header.Get("X-Bench-Id"))
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, benchSSE1)
		http.NewResponseController(w).Flush()
		select {
		case <-release.(chan struct{}):
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	b.Cleanup(upstream.Close)
	for _, hop := range benchHops(b, upstream) {
		b.Run(hop.name, func(b *testing.B) {
			c := benchClient(b)
			var total time.Duration
			cuts := 0
			for i := 0; b.Loop(); i++ {
				id := strconv.Itoa(i)
				release := make(chan struct{})
				releases.Store(id, release)
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, hop.url+"/v1/chat/completions", strings.NewReader(benchReq))
				req.Header.Set("X-Bench-Id", id)
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				br := bufio.NewReader(resp.Body)
				line, err := br.ReadString('\n')
				if err != nil || line != benchSSE1[:len(benchSSE1)-1] {
					b.Fatalf("first line %q, %v", line, err)
				}
				total += time.Since(start)
				close(release)
				if _, err := io.Copy(io.Discard, br); err != nil {
					cuts++
				}
				resp.Body.Close()
				releases.Delete(id)
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/first-chunk")
			b.ReportMetric(float64(cuts)/float64(b.N), "cuts/op")
		})
	}
}

// BenchmarkWebSocketRelay measures round trips of Realtime-sized messages over one
// WebSocket session, compressed as the SDKs do: direct, through a ReverseProxy hop,
// and through Server, which also reads and records every message (wsLog). One op is
// one message each way: a small event, or a 32 KiB audio chunk (read and left out).
func BenchmarkWebSocketRelay(b *testing.B) {
	upstream := httptest.NewServer(wsEchoServer(websocket.Upgrader{EnableCompression: true}, nil))
	b.Cleanup(upstream.Close)
	messages := map[string][]byte{
		"event": []byte(`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"` +
			strings.Repeat("Tell me about Lisbon. ", 40) + `"}]}}`),
		"audio": []byte(`{"type":"input_audio_buffer.append","audio":"` + strings.Repeat("UklGRiQAAABXQVZFZm10IBAAAAABAAEA", 1024) + `"}`),
	}
	for _, kind := range []string{"event", "audio"} {
		for _, hop := range benchHops(b, upstream) {
			b.Run(kind+"/"+hop.name, func(b *testing.B) {
				dialer := websocket.Dialer{EnableCompression: true}
				c, _, err := dialer.Dial("ws"+strings.TrimPrefix(hop.url, "http")+"/v1/realtime", nil)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				msg := messages[kind]
				b.SetBytes(int64(2 * len(msg)))
				b.ResetTimer()
				for range b.N {
					if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
						b.Fatal(err)
					}
					if _, _, err := c.ReadMessage(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// wsEchoServer is a WebSocket upstream that sends greeting (if any), then echoes every
// message back as it came.
func wsEchoServer(upgrader websocket.Upgrader, greeting []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, http.Header{"X-Upstream": {"realtime"}})
		if err != nil {
			return
		}
		defer c.Close()
		if greeting != nil {
			if err := c.WriteMessage(websocket.TextMessage, greeting); err != nil {
				return
			}
		}
		for {
			kind, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	}
}
