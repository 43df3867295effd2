package gateway

import (
	"fmt"
	"math"
	"net/http"
	"sync/atomic"
	"testing"
)

// testProviders returns n providers with the given weights, busy counts and TTFTs.
func testProviders(weights []int, busy []int64, ttfts []float64) []*provider {
	ps := make([]*provider, len(weights))
	for i := range ps {
		ps[i] = &provider{name: fmt.Sprintf("p%d", i), wt: weights[i]}
		if busy != nil {
			ps[i].inflight.Store(busy[i])
		}
		if ttfts != nil {
			ps[i].avg.observe(ttfts[i])
		}
	}
	return ps
}

func TestStrategyDistribution(t *testing.T) {
	const n = 6000
	tests := []struct {
		name     string
		strategy Strategy
		weights  []int
		busy     []int64
		ttfts    []float64
		want     []float64 // expected share of each
		tol      float64   // absolute tolerance on each share
	}{
		{"round_robin_even", RoundRobin, []int{1, 1, 1}, nil, nil, []float64{1. / 3, 1. / 3, 1. / 3}, 0.001},
		{"random_even", Random, []int{1, 1, 1}, nil, nil, []float64{1. / 3, 1. / 3, 1. / 3}, 0.04},
		{"weighted_1_2_3", Weighted, []int{1, 2, 3}, nil, nil, []float64{1. / 6, 2. / 6, 3. / 6}, 0.04},
		{"weighted_zero_never", Weighted, []int{0, 1, 1}, nil, nil, []float64{0, 0.5, 0.5}, 0.04},
		{"least_busy", LeastBusy, []int{1, 1, 1}, []int64{5, 0, 9}, nil, []float64{0, 1, 0}, 0},
		// Power of two choices over 3: the fastest wins every pair it is in (2/3),
		// the middle one wins 1/3 of pairs (only against the slowest), the slowest none.
		{"latency_p2c", Latency, []int{1, 1, 1}, nil, []float64{0.05, 0.5, 2}, []float64{2. / 3, 1. / 3, 0}, 0.04},
		{"first_healthy", FirstHealthy, []int{1, 1, 1}, nil, nil, []float64{1, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := testProviders(tt.weights, tt.busy, tt.ttfts)
			var rr rrCounter
			counts := map[*provider]int{}
			for range n {
				counts[pick(tt.strategy, ps, &rr.c)]++
			}
			for i, p := range ps {
				share := float64(counts[p]) / n
				if math.Abs(share-tt.want[i]) > tt.tol+1e-9 {
					t.Errorf("%s: share of p%d = %.3f, want %.3f ± %.3f", tt.strategy, i, share, tt.want[i], tt.tol)
				}
			}
		})
	}
}

// TestLatencyStrategyRecovers shows the latency strategy follows the decaying
// average: a provider that was slow and becomes fast takes the lead.
func TestLatencyStrategyRecovers(t *testing.T) {
	ps := testProviders([]int{1, 1}, nil, []float64{2, 0.1})
	for range 20 {
		ps[0].avg.observe(0.01)
	}
	var rr rrCounter
	wins := 0
	for range 100 {
		if pick(Latency, ps, &rr.c) == ps[0] {
			wins++
		}
	}
	if wins != 100 {
		t.Errorf("latency strategy picked the formerly slow, now fastest provider %d times of 100, want 100", wins)
	}
}

// TestKeysRoundRobinEndToEnd sends requests through the gateway and counts what
// each key of each provider got: providers alternate, and so do keys within one.
func TestKeysRoundRobinEndToEnd(t *testing.T) {
	a := newFake(t, "a", KindOpenAI)
	b := newFake(t, "b", KindOpenAI)
	yaml := yamlFor("", providerYAML{f: a, keys: []string{"a1", "a2"}, models: []string{"m"}},
		providerYAML{f: b, keys: []string{"b1"}, models: []string{"m"}})
	_, srv := newTestGateway(t, yaml, Config{})
	for range 8 {
		if status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"m"}`); status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
	}
	got := map[string]int{"a1": a.count("a1"), "a2": a.count("a2"), "b1": b.count("b1")}
	want := map[string]int{"a1": 2, "a2": 2, "b1": 4}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("requests per key = %v, want %v", got, want)
			break
		}
	}
}

type rrCounter struct{ c atomic.Uint64 }
