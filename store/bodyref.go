package store

import (
	"slices"
	"sync"
)

// Tuning of request-body references (issue 11: a long chat must not grow the data
// folder with the square of its length).
const (
	// maxRefChain bounds how many deltas reading one request body decodes: a body
	// whose reference is this deep is stored whole (a keyframe). Keyframes are most
	// of what a long chat stores (each holds the whole history): over a 200-turn chat
	// 16 stored 1.4x the bytes of 32, and 64 only 7-20% less than 32.
	maxRefChain = 32
	// refWindowLen and refWindowBytes bound the recent request bodies kept as
	// candidates; a body over maxRefBody is stored against one but never kept as one.
	refWindowLen   = 32
	refWindowBytes = 8 << 20
	maxRefBody     = 4 << 20
	// minRefBody: shorter bodies gain too little from a reference to be worth a chain.
	minRefBody = 512
	// refTries is how many candidates for the same endpoint are scored, newest first.
	refTries = 8
	// refProbes is how many places of a new body are looked up in a candidate.
	refProbes = 16
)

// refBody is a recent request body that later request bodies may be stored against.
type refBody struct {
	id    int64  // its exchange, once its batch is committed
	batch int    // its index in the batch being packed, or -1 once committed
	key   string // host and path: one chat's requests all go to the same endpoint
	body  []byte // the captured body; the window's own copy
	depth int    // how many deltas reading it decodes (0: stored whole)
	index *refIndex
}

// refWindow holds the last request bodies written, the references for the next ones.
// It lives on *DB and starts empty: after a restart the first request of each chat is
// stored whole, and references to bodies written before still decode (bodyread.go).
type refWindow struct {
	mu      sync.Mutex
	entries []*refBody // oldest first
	bytes   int
}

// pack compresses each capture's bodies, storing a request body as a delta against
// the most similar recent request body to the same endpoint (in the window or earlier
// in caps) when that saves at least half of it. Once caps are committed, remember
// makes their request bodies candidates for the next batches; a batch that fails
// must not call it, so the window only names exchanges that exist.
func (w *refWindow) pack(caps []Capture) (bodies []packedBodies, remember func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	bodies = make([]packedBodies, len(caps))
	cands := slices.Clone(w.entries)
	var fresh []*refBody
	for i := range caps {
		e := &caps[i].Exchange
		b := &bodies[i]
		b.codec, b.resp = codecZstd, packBody(e.RespBody)
		req := e.ReqBody
		if len(req) < minRefBody {
			b.req = packBody(req)
			continue
		}
		key := e.Host + e.Path
		depth := 0
		// The best reference at the bound starts a keyframe rather than a worse
		// reference: measured on a 200-turn chat, falling back to older bodies made
		// every delta carry ~9 turns and took 1.6x the bytes of keyframes.
		if ref := bestRef(cands, key, req); ref != nil && ref.depth < maxRefChain {
			delta, copied := encodeDelta(make([]byte, 0, 64), ref.index, req)
			if copied*2 >= len(req) {
				b.codec, b.req, depth = codecRef, bodyEncoder.EncodeAll(delta, nil), ref.depth+1
				b.ref = &ref.id
				if ref.batch >= 0 {
					b.ref = &caps[ref.batch].Exchange.ID // set by the insert before this one
				}
			}
		}
		if b.codec != codecRef {
			b.req = packBody(req)
		}
		if len(req) <= maxRefBody {
			rb := &refBody{batch: i, key: key, body: slices.Clone(req), depth: depth}
			cands = append(cands, rb)
			fresh = append(fresh, rb)
		}
	}
	return bodies, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, rb := range fresh {
			rb.id, rb.batch = caps[rb.batch].Exchange.ID, -1
			w.add(rb)
		}
	}
}

// add appends rb, dropping the oldest entries beyond the window's bounds.
func (w *refWindow) add(rb *refBody) {
	w.entries = append(w.entries, rb)
	w.bytes += refCost(rb)
	for len(w.entries) > refWindowLen || (w.bytes > refWindowBytes && len(w.entries) > 1) {
		w.bytes -= refCost(w.entries[0])
		w.entries[0] = nil
		w.entries = w.entries[1:]
	}
}

// refCost is what an entry may hold: its body and, once built, an index at most as big.
func refCost(rb *refBody) int { return 2 * len(rb.body) }

// bestRef returns the candidate for key that shares the most with cur, or nil. It
// probes places spread over cur rather than comparing prefixes, because some clients
// (SillyTavern) rebuild the system prompt at the top of every request, with a
// timestamp in it, and the rest of the history still matches.
func bestRef(cands []*refBody, key string, cur []byte) *refBody {
	var best *refBody
	bestHits, tries := 0, 0
	for k := len(cands) - 1; k >= 0 && tries < refTries; k-- {
		c := cands[k]
		if c.key != key {
			continue
		}
		tries++
		if c.index == nil {
			c.index = newRefIndex(c.body)
		}
		if hits := probe(c.index, cur); hits > bestHits {
			best, bestHits = c, hits
		}
	}
	return best
}

// probe counts how many of refProbes places spread over cur are found in x's
// reference, giving up (0) once fewer than half can be: such a reference would not
// save half of cur, which pack asks of a delta. Each place is tried at deltaBlock
// offsets, since the reference is indexed at that stride only.
func probe(x *refIndex, cur []byte) int {
	span := len(cur) - 2*deltaBlock
	if span <= 0 {
		return 0
	}
	hits := 0
	for k := range refProbes {
		q := span * k / (refProbes - 1)
		for o := range deltaBlock {
			if x.find(cur[q+o:]) >= 0 {
				hits++
				break
			}
		}
		if misses := k + 1 - hits; misses > refProbes/2 {
			return 0
		}
	}
	return hits
}
