package store

import (
	"slices"
	"sync"

	"github.com/llmtap/llmtap/internal/zpool"
)

// Tuning of request-body references (issue 11: a long chat must not grow the data
// folder with the square of its length).
const (
	// maxRefChain bounds how many deltas reading one request body decodes: a body
	// whose reference is this deep is stored whole (a keyframe). Keyframes are most
	// of what a long chat stores (each holds the whole history): over a 200-turn chat
	// (TestSessionBodyBytes) 16 stored 1.5x the bytes of 32, and 64 only 8% less.
	maxRefChain = 32
	// refWindowLen and refWindowBytes bound the recent request bodies kept as
	// candidates; a body over maxRefBody is stored against one but never kept as one.
	refWindowLen   = 32
	refWindowBytes = 8 << 20
	maxRefBody     = 4 << 20
	// minRefBody: shorter bodies gain too little from a reference to be worth a chain.
	minRefBody = 512
	// refTriesPer: one candidate is scored, newest first, per this many bytes of the
	// new body, up to the whole window, so agents running side by side each find their
	// own and scoring (~1 µs a candidate) stays below compressing the body.
	refTriesPer = 256
	// refProbes is how many places of a new body are looked up in a candidate.
	refProbes = 16
	// refNear is how many places a candidate may miss and still be taken at once:
	// the new turns at the end of a chat request, and a timestamp at its top.
	refNear = 2
)

// refBody is a recent request body that later request bodies may be stored against.
type refBody struct {
	id    int64  // its exchange, once its batch is committed
	batch int    // its index in the batch being packed, or -1 once the window owns it
	key   string // host and path: one chat's requests all go to the same endpoint
	body  []byte // the captured body: the caller's while packing, then the window's copy
	depth int    // how many deltas reading it decodes (0: stored whole)
	index *refIndex
}

// refWindow holds the last request bodies written, the references for the next ones.
// It lives on *DB and starts empty: after a restart the first request of each chat is
// stored whole, and references to bodies written before still decode (bodyread.go).
// It trusts that what it names still exists: nothing deletes exchanges today, and code
// that comes to (retention, deleting a conversation) must empty it and DB.bodies too,
// since exchange ids are rowids that SQLite may hand out again.
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
		b.codec, b.resp, b.respLen = codecZstd, caps[i].RespZstd, len(e.RespBody)
		switch {
		case b.resp == nil:
			b.resp = packBody(e.RespBody)
		case e.RespBody == nil:
			b.respLen = caps[i].RespLen
		}
		req := e.ReqBody
		b.reqLen = len(req)
		if req == nil && caps[i].ReqZstd != nil {
			// Let go of once parsed: only its frame is stored (see Capture.ReqLen).
			b.reqFrame, b.reqLen = caps[i].ReqZstd, caps[i].ReqLen
			continue
		}
		if len(req) < minRefBody {
			b.req = packBody(req)
			continue
		}
		if len(req) > maxRefBody && caps[i].ReqZstd != nil {
			b.reqFrame = caps[i].ReqZstd // stored whole, as the capture log compressed it
			continue
		}
		key := e.Host + e.Path
		depth := 0
		// The best reference at the bound starts a keyframe rather than a worse
		// reference: measured on a 200-turn chat with a 16-deep bound, falling back to
		// older bodies made every delta carry ~9 turns and took 1.6x the bytes.
		if ref := bestRef(cands, key, req); ref != nil && ref.depth < maxRefChain {
			delta, copied := encodeDelta(make([]byte, 0, 64), ref.index, req)
			if copied*2 >= len(req) {
				b.codec, b.req, depth = codecRef, zpool.Encode(delta, nil), ref.depth+1
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
			// The caller's body, copied only if the window keeps it (remember): a
			// batch of big bodies is not held twice.
			rb := &refBody{batch: i, key: key, body: req, depth: depth}
			cands = append(cands, rb)
			fresh = append(fresh, rb)
		}
	}
	return bodies, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, rb := range fresh {
			rb.id = caps[rb.batch].Exchange.ID
			w.add(rb)
		}
		for _, rb := range w.entries {
			if rb.batch >= 0 {
				rb.body, rb.batch = slices.Clone(rb.body), -1
				if rb.index != nil {
					rb.index.ref = rb.body
				}
			}
		}
	}
}

// dropIndexes lets the candidates' indexes go (up to the bodies' size again);
// bestRef builds one again when it is next needed, in well under a millisecond
// for a 512 KiB history.
func (w *refWindow) dropIndexes() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, rb := range w.entries {
		rb.index = nil
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

// bestRef returns a candidate for key that shares most of cur, or nil. The newest
// candidate that misses at most refNear places is taken at once: in a chat that is
// the request before, and an older body of the same chat, missing the turns since,
// can still score as high (by a chance match in the new turns). Otherwise it is the
// one that scores highest. Places are sampled all over cur, not compared as prefixes,
// because some clients (SillyTavern) rebuild the system prompt at the top of every
// request, with a timestamp in it, and the rest of the history still matches.
func bestRef(cands []*refBody, key string, cur []byte) *refBody {
	var best *refBody
	bestHits, tries := 0, max(len(cur)/refTriesPer, 4)
	for k := len(cands) - 1; k >= 0 && tries > 0; k-- {
		c := cands[k]
		if c.key != key {
			continue
		}
		tries--
		if c.index == nil {
			c.index = newRefIndex(c.body)
		}
		hits := probe(c.index, cur)
		if hits >= refProbes-refNear {
			return c
		}
		if hits > bestHits {
			best, bestHits = c, hits
		}
	}
	return best
}

// probe counts how many of refProbes places spread over cur are found in x's
// reference, or 0 once fewer than half can be (such a reference would not save the
// half of cur that pack asks of a delta). The places are visited in bit-reversed
// order, so the first four are already spread over all of cur; if at most one of
// those is found, it gives up too: most candidates are other chats, which share only
// the request's header with cur. Each place is tried at deltaBlock offsets, since
// the reference is indexed at that stride only.
func probe(x *refIndex, cur []byte) int {
	span := len(cur) - 2*deltaBlock
	if span <= 0 {
		return 0
	}
	hits := 0
	for k, place := range probeOrder {
		q := span * place / (refProbes - 1)
		for o := range deltaBlock {
			if x.find(cur[q+o:]) >= 0 {
				hits++
				break
			}
		}
		if k+1-hits > refProbes/2 || (k == 3 && hits <= 1) {
			return 0
		}
	}
	return hits
}

// probeOrder is 0..refProbes-1 in bit-reversed order.
var probeOrder = [refProbes]int{0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}
