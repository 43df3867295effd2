package gateway

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
)

// Strategy is how the keys of a provider, and the providers of a model, share the
// requests.
type Strategy string

// The strategies providers.yaml may name.
const (
	// RoundRobin takes each candidate in turn.
	RoundRobin Strategy = "round-robin"
	// Random takes one at random, evenly.
	Random Strategy = "random"
	// Weighted takes one at random in proportion to its provider's weight (keys
	// within a provider share evenly).
	Weighted Strategy = "weighted"
	// LeastBusy takes the one with the fewest requests in flight.
	LeastBusy Strategy = "least-busy"
	// Latency takes the better of two picked at random, by a decaying average of
	// time to first token (power of two choices): fast ones get most requests, and
	// slow ones still a few, so their average can recover.
	Latency Strategy = "latency"
	// FirstHealthy takes the first in file order that is not disabled or cooling down.
	FirstHealthy Strategy = "first-healthy"
)

func parseStrategy(s string) (Strategy, error) {
	switch st := Strategy(s); st {
	case RoundRobin, Random, Weighted, LeastBusy, Latency, FirstHealthy:
		return st, nil
	}
	return "", fmt.Errorf("unknown strategy %q (want round-robin, random, weighted, least-busy, latency or first-healthy)", s)
}

// candidate is what a strategy weighs: a provider or a key.
type candidate interface {
	weight() int
	busy() int64
	ttft() float64 // decaying average in seconds; 0 while unknown
}

// pick chooses one of cs (never empty) by s; rr is the round-robin counter of
// the set cs was drawn from.
func pick[T candidate](s Strategy, cs []T, rr *atomic.Uint64) T {
	if len(cs) == 1 {
		return cs[0]
	}
	switch s {
	case Random:
		return cs[rand.IntN(len(cs))]
	case Weighted:
		total := 0
		for _, c := range cs {
			total += c.weight()
		}
		if total <= 0 {
			return cs[rand.IntN(len(cs))]
		}
		n := rand.IntN(total)
		for _, c := range cs {
			if n -= c.weight(); n < 0 {
				return c
			}
		}
		return cs[len(cs)-1]
	case LeastBusy:
		// Start at a rotating offset so that ties spread instead of piling on the first.
		start := int(rr.Add(1) % uint64(len(cs)))
		best := cs[start]
		for i := 1; i < len(cs); i++ {
			if c := cs[(start+i)%len(cs)]; c.busy() < best.busy() {
				best = c
			}
		}
		return best
	case Latency:
		i := rand.IntN(len(cs))
		j := rand.IntN(len(cs) - 1)
		if j >= i {
			j++
		}
		a, b := cs[i], cs[j]
		if b.ttft() < a.ttft() {
			return b
		}
		return a
	case FirstHealthy:
		return cs[0]
	}
	return cs[(rr.Add(1)-1)%uint64(len(cs))]
}

// ewma is a decaying average of durations in seconds, safe for concurrent use. Each
// new sample weighs alpha; 0 means no sample yet.
type ewma struct{ bits atomic.Uint64 }

const ewmaAlpha = 0.3

func (e *ewma) observe(sec float64) {
	for {
		old := e.bits.Load()
		v := math.Float64frombits(old)
		nv := sec
		if old != 0 {
			nv = v + ewmaAlpha*(sec-v)
		}
		if e.bits.CompareAndSwap(old, math.Float64bits(nv)) {
			return
		}
	}
}

func (e *ewma) value() float64 { return math.Float64frombits(e.bits.Load()) }
