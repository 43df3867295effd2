package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

// BenchmarkRouted compares, in one run and against the same fake upstream at
// concurrency 16: a bare httputil.ReverseProxy hop, llmtap's proxy passing the
// request to --target, and llmtap's proxy routing it through the gateway (model
// lookup in the body, key choice, credential swap, first-byte read, relay). Both
// llmtap hops hand their exchange to a discarding Sink. Run it with
//
//	go test -run '^$' -bench Routed -benchtime 2000x ./gateway
func BenchmarkRouted(b *testing.B) {
	for _, hop := range benchHops(b) {
		b.Run(hop.name, func(b *testing.B) {
			c := benchClient(b)
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := benchRequest(c, hop.url); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRoutedInterleaved measures the same three hops in alternation: each
// iteration sends 400 requests at concurrency 16 through each hop in turn (the order
// rotating), and the
// figures reported are each hop's fastest round (µs per request) and the bare hop's
// time over the gateway's (≥ 1 means the gateway is as fast). On a machine shared
// with other work, alternating rounds and keeping the least disturbed one compares
// the hops under the same load, where whole sequential runs do not. Run it with
//
//	go test -run '^$' -bench RoutedInterleaved -benchtime 10x ./gateway
func BenchmarkRoutedInterleaved(b *testing.B) {
	hops := benchHops(b)
	best, _ := fastestRounds(b, hops, 400, 16, func(_ int, c *http.Client, url string) error {
		return benchRequest(c, url)
	})
	b.ReportMetric(float64(best[0])/float64(best[2]), "gateway_speed_vs_bare")
	b.ReportMetric(float64(best[1])/float64(best[2]), "gateway_speed_vs_target")
}

const (
	benchReq  = `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in five words."}],"temperature":0.2}`
	benchResp = `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how are you?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":7,"total_tokens":32}}`
)

const (
	benchStreamReq = `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello in five words."}]}`
	benchSSE1      = "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n"
)

// BenchmarkRoutedFirstChunk measures the time from sending a streaming request to
// reading its first SSE event, one request at a time, through each hop in turn (the
// order rotating); it reports each hop's median. The gateway reads the provider's
// first byte before it answers (so that a stall before it can still be retried);
// this shows what that costs the first token. Run it with
//
//	go test -run '^$' -bench RoutedFirstChunk -benchtime 2000x ./gateway
func BenchmarkRoutedFirstChunk(b *testing.B) {
	hops := benchHops(b)
	times := make([][]time.Duration, len(hops))
	interleave(b, hops, func(i int, c *http.Client, url string) {
		d, err := firstChunk(c, url)
		if err != nil {
			b.Fatal(err)
		}
		times[i] = append(times[i], d)
	})
	for i, hop := range hops {
		slices.Sort(times[i])
		b.ReportMetric(float64(times[i][len(times[i])/2].Nanoseconds())/1e3, hop.name+"_first_chunk_µs")
	}
}

// firstChunk sends a streaming request to url and returns the time to its first
// event, then reads the rest.
func firstChunk(c *http.Client, url string) (time.Duration, error) {
	start := time.Now()
	r, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(benchStreamReq))
	r.Header.Set("Content-Type", "application/json")
	res, err := c.Do(r)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf := make([]byte, len(benchSSE1))
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != benchSSE1 {
		return 0, fmt.Errorf("first event %q: %v", buf, err)
	}
	d := time.Since(start)
	_, err = io.Copy(io.Discard, res.Body)
	return d, err
}

type benchHop struct{ name, url string }

// fastestRounds runs interleaved rounds of perRound requests at concurrency conc
// through each hop (send makes one request through hop i), reports each hop's
// fastest round in µs per request and returns those times, by hop. It also
// reports, and returns, each hop's least process CPU time per request over the
// rounds (client, hop and fake provider together; 0 where the OS does not say),
// which other work on a shared machine sways far less than the time.
func fastestRounds(b *testing.B, hops []benchHop, perRound, conc int64, send func(i int, c *http.Client, url string) error) (best, cpu []time.Duration) {
	best = make([]time.Duration, len(hops))
	cpu = make([]time.Duration, len(hops))
	interleave(b, hops, func(i int, c *http.Client, url string) {
		var next atomic.Int64
		var wg sync.WaitGroup
		start, cpuStart := time.Now(), processCPU()
		for range conc {
			wg.Go(func() {
				for next.Add(1) <= perRound {
					if err := send(i, c, url); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if d := time.Since(start) / time.Duration(perRound); best[i] == 0 || d < best[i] {
			best[i] = d
		}
		if d := (processCPU() - cpuStart) / time.Duration(perRound); cpu[i] == 0 || d < cpu[i] {
			cpu[i] = d
		}
	})
	for i, hop := range hops {
		b.ReportMetric(float64(best[i].Nanoseconds())/1e3, hop.name+"_µs/req")
		if cpu[i] > 0 {
			b.ReportMetric(float64(cpu[i].Nanoseconds())/1e3, hop.name+"_cpu_µs/req")
		}
	}
	return best, cpu
}

// interleave calls run once per hop in each benchmark iteration, with a client of
// the hop's own, the order rotating so that no hop always goes first.
func interleave(b *testing.B, hops []benchHop, run func(i int, c *http.Client, url string)) {
	clients := make([]*http.Client, len(hops))
	for i := range hops {
		clients[i] = benchClient(b)
	}
	round := 0
	for b.Loop() {
		round++
		for j := range hops {
			i := (j + round) % len(hops)
			run(i, clients[i], hops[i].url)
		}
	}
}

// benchHops starts the fake upstream and the three hops to it: a bare
// ReverseProxy, the proxy with --target, and the proxy with the gateway.
func benchHops(b *testing.B) []benchHop {
	b.Helper()
	resp := benchResp
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"stream":true`) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, benchSSE1)
			_ = http.NewResponseController(w).Flush()
			_, _ = io.WriteString(w, benchSSE1+"data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
		_, _ = io.WriteString(w, resp)
	}))
	b.Cleanup(upstream.Close)

	target, _ := url.Parse(upstream.URL)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, Transport: newTransport()}
	discard := proxy.SinkFunc(func(context.Context, *proxy.Exchange) {})
	pass, err := proxy.New(proxy.Config{Target: upstream.URL, Sink: discard})
	if err != nil {
		b.Fatal(err)
	}
	g := New(Config{})
	yaml := "providers:\n  - {name: up, kind: openai, base_url: '" + upstream.URL + "/v1', keys: [k1, k2], models: [gpt-4o-mini]}\n"
	if err := g.Load([]byte(yaml)); err != nil {
		b.Fatal(err)
	}
	routed, err := proxy.New(proxy.Config{Gateway: g, Sink: discard})
	if err != nil {
		b.Fatal(err)
	}
	var hops []benchHop
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"reverse_proxy", rp}, {"llmtap_target", pass}, {"llmtap_gateway", routed}} {
		srv := httptest.NewServer(h.h)
		b.Cleanup(srv.Close)
		hops = append(hops, benchHop{h.name, srv.URL})
	}
	return hops
}

func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// benchRequest sends one chat completion through url and checks the answer's size.
func benchRequest(c *http.Client, url string) error {
	r, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(benchReq))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer sk-bench-client")
	res, err := c.Do(r)
	if err != nil {
		return err
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if n != int64(len(benchResp)) {
		return fmt.Errorf("got %d bytes, want %d", n, len(benchResp))
	}
	return nil
}
