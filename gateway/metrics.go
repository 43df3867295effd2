package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// WriteMetrics writes the gateway's metrics in the Prometheus text format (0.0.4):
// requests, errors by class, tokens, in-flight requests, key health, latency and
// time-to-first-byte histograms per provider, and cache hits. Keys are labelled by
// their position in the file, never by value. It is written by hand: the format is
// a few lines of text, and client_golang would bring a dozen packages for it.
func (g *Gateway) WriteMetrics(w io.Writer) error {
	t := g.tbl.Load()
	now := g.cfg.Now()
	b := bufio.NewWriter(w)
	head := func(name, typ, help string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}

	head("llmtap_gateway_requests_total", "counter", "Requests sent to a provider key (each attempt counts).")
	for _, p := range t.providers {
		for _, k := range p.keys {
			fmt.Fprintf(b, "llmtap_gateway_requests_total{provider=%s,key=\"%d\"} %d\n", q(p.name), k.index, k.stats.requests.Load())
		}
	}
	head("llmtap_gateway_errors_total", "counter", "Failed attempts by class: auth, rate_limit, server, connection, timeout, stream_cut, client.")
	for _, p := range t.providers {
		for _, k := range p.keys {
			for c := range nErrClass {
				fmt.Fprintf(b, "llmtap_gateway_errors_total{provider=%s,key=\"%d\",class=%q} %d\n", q(p.name), k.index, c.String(), k.stats.errors[c].Load())
			}
		}
	}
	head("llmtap_gateway_tokens_total", "counter", "Tokens providers reported in their usage, by direction.")
	for _, p := range t.providers {
		var in, out int64
		for _, k := range p.keys {
			in += k.stats.tokensIn.Load()
			out += k.stats.tokensOut.Load()
		}
		fmt.Fprintf(b, "llmtap_gateway_tokens_total{provider=%s,direction=\"in\"} %d\n", q(p.name), in)
		fmt.Fprintf(b, "llmtap_gateway_tokens_total{provider=%s,direction=\"out\"} %d\n", q(p.name), out)
	}
	head("llmtap_gateway_in_flight", "gauge", "Requests a provider is answering now (the gateway queues none).")
	for _, p := range t.providers {
		fmt.Fprintf(b, "llmtap_gateway_in_flight{provider=%s} %d\n", q(p.name), p.inflight.Load())
	}
	head("llmtap_gateway_key_up", "gauge", "1 when a key is healthy, 0 while disabled or cooling down.")
	for _, p := range t.providers {
		for _, k := range p.keys {
			up := 0
			if k.state(now).healthy {
				up = 1
			}
			fmt.Fprintf(b, "llmtap_gateway_key_up{provider=%s,key=\"%d\"} %d\n", q(p.name), k.index, up)
		}
	}
	writeHist(b, t, "llmtap_gateway_request_duration_seconds", "Time from sending a request to the end of its answer.",
		func(s *stats) *histogram { return &s.dur }, head)
	writeHist(b, t, "llmtap_gateway_time_to_first_byte_seconds", "Time from sending a request to the first byte of its answer.",
		func(s *stats) *histogram { return &s.ttft }, head)
	head("llmtap_gateway_cache_hits_total", "counter", "Replies served from the response cache.")
	fmt.Fprintf(b, "llmtap_gateway_cache_hits_total %d\n", g.cacheHits.Load())
	head("llmtap_gateway_config_ok", "gauge", "0 when the latest providers file was refused (the last good one is in force).")
	ok := 1
	if g.LoadError() != "" {
		ok = 0
	}
	fmt.Fprintf(b, "llmtap_gateway_config_ok %d\n", ok)
	return b.Flush()
}

// writeHist writes one histogram per provider, summing its keys' buckets.
func writeHist(b *bufio.Writer, t *table, name, help string, of func(*stats) *histogram, head func(string, string, string)) {
	head(name, "histogram", help)
	for _, p := range t.providers {
		var counts [len(latencyBuckets) + 1]int64
		var sumUS, n int64
		for _, k := range p.keys {
			h := of(&k.stats)
			for i := range counts {
				counts[i] += h.counts[i].Load()
			}
			sumUS += h.sumUS.Load()
			n += h.n.Load()
		}
		var cum int64
		for i, le := range latencyBuckets {
			cum += counts[i]
			fmt.Fprintf(b, "%s_bucket{provider=%s,le=\"%s\"} %d\n", name, q(p.name), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += counts[len(latencyBuckets)]
		fmt.Fprintf(b, "%s_bucket{provider=%s,le=\"+Inf\"} %d\n", name, q(p.name), cum)
		fmt.Fprintf(b, "%s_sum{provider=%s} %s\n", name, q(p.name), strconv.FormatFloat(float64(sumUS)/1e6, 'g', -1, 64))
		fmt.Fprintf(b, "%s_count{provider=%s} %d\n", name, q(p.name), n)
	}
}

// labelEscaper escapes a label value as the text format asks.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func q(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// ServeMetrics answers GET /metrics.
func (g *Gateway) ServeMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_ = g.WriteMetrics(w)
}
