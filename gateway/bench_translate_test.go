package gateway

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/gateway/translate"
	"github.com/llmtap/llmtap/proxy"
)

// anthropicBenchStream is a short streamed Claude answer: 20 text deltas between
// the usual start and end events, with usage.
var anthropicBenchStream = func() string {
	var b strings.Builder
	b.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-bench\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n")
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for i := range 20 {
		fmt.Fprintf(&b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word %d \"}}\n\n", i)
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":21}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return b.String()
}()

const (
	benchAnthropicReq = `{"model":"claude-bench","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Say hello in twenty words."}]}`
	benchOpenAIReq    = `{"model":"claude-bench","stream":true,"messages":[{"role":"user","content":"Say hello in twenty words."}]}`
)

// translateHops starts a fake Anthropic provider that streams anthropicBenchStream
// (its first event flushed on its own) and three hops to it: a bare ReverseProxy
// and llmtap's proxy with the gateway passing an Anthropic client through, both
// sent benchAnthropicReq on /v1/messages, and the same proxy translating for an
// OpenAI client (benchOpenAIReq on /v1/chat/completions).
func translateHops(b *testing.B) (hops []benchHop, paths, bodies []string) {
	b.Helper()
	first, rest, _ := strings.Cut(anthropicBenchStream, "\n\n")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, first+"\n\n")
		_ = http.NewResponseController(w).Flush()
		_, _ = io.WriteString(w, rest)
	}))
	b.Cleanup(upstream.Close)
	target, _ := url.Parse(upstream.URL)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }, Transport: newTransport(),
		FlushInterval: -1}
	g := New(Config{Translator: translate.New()})
	if err := g.Load([]byte("providers:\n  - {name: claude, kind: anthropic, base_url: '" + upstream.URL + "', keys: [k1], models: [claude-bench]}\n")); err != nil {
		b.Fatal(err)
	}
	routed, err := proxy.New(proxy.Config{Gateway: g, Sink: proxy.SinkFunc(func(context.Context, *proxy.Exchange) {})})
	if err != nil {
		b.Fatal(err)
	}
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"reverse_proxy", rp}, {"llmtap_passthrough", routed}, {"llmtap_translated", routed}} {
		srv := httptest.NewServer(h.h)
		b.Cleanup(srv.Close)
		hops = append(hops, benchHop{h.name, srv.URL})
	}
	return hops, []string{"/v1/messages", "/v1/messages", "/v1/chat/completions"},
		[]string{benchAnthropicReq, benchAnthropicReq, benchOpenAIReq}
}

// streamRequest sends body to url+path and reads the stream to its end; it
// returns the time to the first event and checks the stream ended cleanly.
func streamRequest(c *http.Client, url, path, body string) (time.Duration, error) {
	start := time.Now()
	r, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Anthropic-Version", "2023-06-01")
	res, err := c.Do(r)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || res.StatusCode != 200 {
		return 0, fmt.Errorf("status %d, first line %q: %v", res.StatusCode, line, err)
	}
	d := time.Since(start)
	all, err := io.ReadAll(br)
	// bytes.Contains: a string of all would copy the stream once per look.
	if err == nil && !bytes.Contains(all, []byte("message_stop")) && !bytes.Contains(all, []byte("[DONE]")) {
		err = fmt.Errorf("stream ended without its end: %q", all)
	}
	return d, err
}

// BenchmarkTranslatedInterleaved compares, in alternating rounds of 200 streamed
// requests at concurrency 16 against the same fake Anthropic provider: a bare
// httputil.ReverseProxy hop, llmtap's gateway passing an Anthropic client through
// (routing, key swap, capture to a discarding Sink) and the gateway translating
// for an OpenAI client (request, and the 25-event stream as it arrives). It
// reports each hop's fastest round and the ratios, and the ratio of CPU time per
// request (translated_cpu_speed_vs_bare: above 1, a translated stream costs less
// CPU than the bare hop's). Run it with
//
//	go test -run '^$' -bench TranslatedInterleaved -benchtime 10x ./gateway
func BenchmarkTranslatedInterleaved(b *testing.B) {
	hops, paths, bodies := translateHops(b)
	best, cpu := fastestRounds(b, hops, 200, 16, func(i int, c *http.Client, url string) error {
		_, err := streamRequest(c, url, paths[i], bodies[i])
		return err
	})
	b.ReportMetric(float64(best[0])/float64(best[2]), "translated_speed_vs_bare")
	b.ReportMetric(float64(best[1])/float64(best[2]), "translated_speed_vs_passthrough")
	if cpu[2] > 0 {
		b.ReportMetric(float64(cpu[0])/float64(cpu[2]), "translated_cpu_speed_vs_bare")
	}
}

// BenchmarkTranslatedFirstChunk measures, one request at a time through each hop
// in turn, the time from sending a streamed request to its first event; it
// reports each hop's median, so the difference is what translation adds to the
// first token. Run it with
//
//	go test -run '^$' -bench TranslatedFirstChunk -benchtime 1000x ./gateway
func BenchmarkTranslatedFirstChunk(b *testing.B) {
	hops, paths, bodies := translateHops(b)
	firstChunkMedians(b, hops, paths, bodies)
}

// BenchmarkTranslatedFirstChunkHistory is TranslatedFirstChunk for a request with
// a 50-turn history and tool calls (about 30 KB): the bare hop and the
// pass-through send the Anthropic request the translator makes of it, so the
// difference is what reading and rewriting the request adds to the first token.
//
//	go test -run '^$' -bench TranslatedFirstChunkHistory -benchtime 1000x ./gateway
func BenchmarkTranslatedFirstChunkHistory(b *testing.B) {
	hops, paths, _ := translateHops(b)
	oa := openAIHistory(b)
	an, _, err := translate.New().Request(translate.OpenAI, translate.Anthropic, "claude-bench", oa, true)
	if err != nil {
		b.Fatal(err)
	}
	firstChunkMedians(b, hops, paths, []string{string(an), string(an), string(oa)})
}

// openAIHistory is translate's 50-turn OpenAI request with tool calls, for
// claude-bench.
func openAIHistory(tb testing.TB) []byte {
	b, err := os.ReadFile("translate/testdata/history50.request.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// firstChunkMedians sends bodies[i] to hop i, the hops in turn, and reports each
// hop's median time to the first event and what the translated hop adds.
func firstChunkMedians(b *testing.B, hops []benchHop, paths, bodies []string) {
	times := make([][]time.Duration, len(hops))
	interleave(b, hops, func(i int, c *http.Client, url string) {
		d, err := streamRequest(c, url, paths[i], bodies[i])
		if err != nil {
			b.Fatal(err)
		}
		times[i] = append(times[i], d)
	})
	med := make([]float64, len(hops))
	for i, hop := range hops {
		slices.Sort(times[i])
		med[i] = float64(times[i][len(times[i])/2].Nanoseconds()) / 1e3
		b.ReportMetric(med[i], hop.name+"_first_chunk_µs")
	}
	b.ReportMetric(med[2]-med[0], "translated_added_first_chunk_µs")
}

// BenchmarkTranslatedHop sends streamed requests one at a time through each hop
// of translateHops, as sub-benchmarks, for the allocations per stream (client,
// hop and fake provider together; the bare hop's figure is the floor). Run it with
//
//	go test -run '^$' -bench TranslatedHop -benchtime 2000x ./gateway
func BenchmarkTranslatedHop(b *testing.B) {
	hops, paths, bodies := translateHops(b)
	for i, hop := range hops {
		b.Run(hop.name, func(b *testing.B) {
			c := benchClient(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := streamRequest(c, hop.url, paths[i], bodies[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
