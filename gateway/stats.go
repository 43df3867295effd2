package gateway

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// errClass is why an attempt failed, as counted in the statistics.
type errClass int

const (
	errAuth      errClass = iota // 401, 402, 403: the key was disabled
	errRate                      // 429: the key cools down
	errServer                    // 5xx
	errConn                      // no response: connection refused, reset, TLS
	errTimeout                   // no first byte in time
	errStreamCut                 // the answer broke off after its first byte
	errClient                    // another 4xx, relayed to the client as it came
	nErrClass
)

var errClassNames = [nErrClass]string{"auth", "rate_limit", "server", "connection", "timeout", "stream_cut", "client"}

func (c errClass) String() string { return errClassNames[c] }

// latencyBuckets are the upper bounds (seconds) of the latency histograms.
var latencyBuckets = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// histogram is a Prometheus-style histogram, safe for concurrent use.
type histogram struct {
	counts [len(latencyBuckets) + 1]atomic.Int64 // one per bucket, the last for +Inf
	sumUS  atomic.Int64                          // microseconds
	n      atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets[:], s)
	h.counts[i].Add(1)
	h.sumUS.Add(d.Microseconds())
	h.n.Add(1)
}

// sample is one finished request, kept for the recent percentiles.
type sample struct {
	at        time.Time
	dur, ttft time.Duration
}

// recentSize bounds the samples kept per key for the percentiles.
const recentSize = 512

// Window is how far back the percentiles in Snapshot look.
const Window = 5 * time.Minute

// stats counts one key's requests. It is safe for concurrent use.
type stats struct {
	requests  atomic.Int64
	errors    [nErrClass]atomic.Int64
	tokensIn  atomic.Int64
	tokensOut atomic.Int64
	dur, ttft histogram

	mu     sync.Mutex
	recent [recentSize]sample
	next   int
	filled bool
}

func (s *stats) record(at time.Time, dur, ttft time.Duration) {
	s.dur.observe(dur)
	if ttft > 0 {
		s.ttft.observe(ttft)
	}
	s.mu.Lock()
	s.recent[s.next] = sample{at, dur, ttft}
	s.next = (s.next + 1) % recentSize
	if s.next == 0 {
		s.filled = true
	}
	s.mu.Unlock()
}

// since appends the samples newer than cutoff to dst.
func (s *stats) since(dst []sample, cutoff time.Time) []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next
	if s.filled {
		n = recentSize
	}
	for _, x := range s.recent[:n] {
		if x.at.After(cutoff) {
			dst = append(dst, x)
		}
	}
	return dst
}

// Percentiles is a percentile summary in milliseconds over Window.
type Percentiles struct {
	P50MS     float64 `json:"p50Ms"`
	P95MS     float64 `json:"p95Ms"`
	TTFTP50MS float64 `json:"ttftP50Ms"`
	TTFTP95MS float64 `json:"ttftP95Ms"`
	Samples   int     `json:"samples"`
}

func summarize(xs []sample) Percentiles {
	l := Percentiles{Samples: len(xs)}
	if len(xs) == 0 {
		return l
	}
	durs := make([]time.Duration, 0, len(xs))
	ttfts := make([]time.Duration, 0, len(xs))
	for _, x := range xs {
		durs = append(durs, x.dur)
		if x.ttft > 0 {
			ttfts = append(ttfts, x.ttft)
		}
	}
	l.P50MS, l.P95MS = pct(durs, 0.5), pct(durs, 0.95)
	l.TTFTP50MS, l.TTFTP95MS = pct(ttfts, 0.5), pct(ttfts, 0.95)
	return l
}

// pct is the nearest-rank percentile of ds in milliseconds; it sorts ds.
func pct(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	i = max(0, min(i, len(ds)-1))
	return float64(ds[i].Microseconds()) / 1000
}

// Counts are a key's or provider's totals since llmtap started (or since the key
// first appeared in the file).
type Counts struct {
	Requests  int64            `json:"requests"`
	Errors    map[string]int64 `json:"errors"`
	TokensIn  int64            `json:"tokensIn"`
	TokensOut int64            `json:"tokensOut"`
}

func (s *stats) counts() Counts {
	c := Counts{Requests: s.requests.Load(), TokensIn: s.tokensIn.Load(), TokensOut: s.tokensOut.Load(), Errors: map[string]int64{}}
	for i := range s.errors {
		if n := s.errors[i].Load(); n > 0 {
			c.Errors[errClass(i).String()] = n
		}
	}
	return c
}

func (c *Counts) add(o Counts) {
	c.Requests += o.Requests
	c.TokensIn += o.TokensIn
	c.TokensOut += o.TokensOut
	for k, v := range o.Errors {
		c.Errors[k] += v
	}
}
