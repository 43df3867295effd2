package zpool

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestPoolKeepsNoBody: after a 30 MB body is decoded, the pooled decoder holds
// next to nothing (0.2 MB measured: Decode writes into the caller's buffer), not a
// window or buffer the size of the body, so a burst of big requests leaves none
// resident.
func TestPoolKeepsNoBody(t *testing.T) {
	// Words drawn at random from a vocabulary compress about as prose does.
	rng := rand.New(rand.NewPCG(5, 6))
	vocab := make([][]byte, 4096)
	for i := range vocab {
		for range 2 + rng.IntN(8) {
			vocab[i] = append(vocab[i], byte('a'+rng.IntN(26)))
		}
	}
	in := make([]byte, 0, 30_000_000+16)
	for len(in) < 30_000_000 {
		in = append(append(in, vocab[rng.IntN(len(vocab))]...), ' ')
	}
	heap := func() uint64 {
		runtime.GC() // once: the pool's values move to its victim cache and stay
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	frame := Encode(in, nil)
	heap()
	before := heap() // the encoder is gone from the pool, the frame stays
	out, err := Decode(frame, nil)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("round trip: %v", err)
	}
	out = nil
	kept := int64(heap()) - int64(before)
	runtime.KeepAlive(in)
	runtime.KeepAlive(frame)
	t.Logf("after decoding a %.1f MB body (%.1f MB frame) the pools keep %.1f MB", float64(len(in))/1e6, float64(len(frame))/1e6, float64(kept)/1e6)
	if kept > 8<<20 {
		t.Errorf("the pools keep %.1f MB after a %.1f MB body, want under 8 MB", float64(kept)/1e6, float64(len(in))/1e6)
	}
}
