package wsmsg

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
)

// TestHistory checks that the window is the last 32 KiB of everything written, for
// writes of sizes around the points where history moves or replaces its bytes.
func TestHistory(t *testing.T) {
	sizes := []int{0, 1, 100, windowSize - 1, windowSize, windowSize + 1, 2*windowSize - 1, 2 * windowSize, 3 * windowSize}
	for _, first := range sizes {
		for _, second := range sizes {
			for _, third := range []int{1, 7, windowSize / 2} {
				t.Run(fmt.Sprintf("%d_%d_%d", first, second, third), func(t *testing.T) {
					var h history
					var all []byte
					for i, n := range []int{first, second, third, third, third} {
						p := bytes.Repeat([]byte{byte('a' + i)}, n)
						for j := range p {
							p[j] += byte(j % 7) // so that a shifted window differs
						}
						h.write(p)
						all = append(all, p...)
						want := all[max(0, len(all)-windowSize):]
						if !bytes.Equal(h.window(), want) {
							t.Fatalf("after writing %d bytes, the window is %d bytes, not the last %d", len(all), len(h.window()), len(want))
						}
						if cap(h.buf) > 2*windowSize {
							t.Fatalf("history grew to %d bytes", cap(h.buf))
						}
					}
				})
			}
		}
	}
}

func TestMask(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for pos := range 8 {
		for n := range 40 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(i * 31)
			}
			want := bytes.Clone(b)
			for i := range want {
				want[i] ^= key[(pos+i)%4]
			}
			if end := mask(key, pos, b); end != pos+n || !bytes.Equal(b, want) {
				t.Errorf("mask(key, %d, %d bytes) = %d, % x; want %d, % x", pos, n, end, b, pos+n, want)
			}
		}
	}
}

// TestMessageMemory checks the bound Options.MaxMessage promises: the text buffer
// never grows past it, whatever the messages (here in many frames, and inflated).
func TestMessageMemory(t *testing.T) {
	const limit = 1000
	r := New(Options{MaxMessage: limit})
	frame := func(b0 byte, p []byte) []byte { return append([]byte{b0, byte(len(p))}, p...) }
	chunk := bytes.Repeat([]byte("x"), 100)
	var stream []byte
	stream = frame(0x01, chunk) // text, not final
	for range 8 {
		stream = append(stream, frame(0x00, chunk)...) // continuation
	}
	stream = append(stream, frame(0x80, chunk[:99])...) // final: 999 bytes
	for range 5 {
		stream = append(stream, frame(0x81, chunk)...)
	}
	if _, err := r.Write(stream); err != nil {
		t.Fatal(err)
	}
	if cap(r.buf) > limit {
		t.Errorf("the message buffer grew to %d bytes, over MaxMessage %d", cap(r.buf), limit)
	}
	if r.stats.Text != 6 {
		t.Errorf("Stats().Text = %d, want 6", r.stats.Text)
	}
}

// TestDecompressionBomb: a small message that inflates to 64 MiB is inflated to the
// end (the next message refers back into it) in bounded memory.
func TestDecompressionBomb(t *testing.T) {
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestCompression)
	compress := func(p []byte) []byte {
		c.Reset()
		fw.Write(p)
		fw.Flush()
		return bytes.Clone(bytes.TrimSuffix(c.Bytes(), []byte{0, 0, 0xff, 0xff}))
	}
	frame := func(p []byte) []byte { // a final, compressed text frame with a 64-bit length
		return binary.BigEndian.AppendUint64([]byte{0x80 | 0x40 | 0x01, 127}, uint64(len(p)))
	}
	bomb := bytes.Repeat([]byte("0123456789abcdef"), 4<<20)
	tail := bomb[len(bomb)-500:]
	var stream []byte
	for _, p := range [][]byte{compress(bomb), compress(tail)} {
		stream = append(append(stream, frame(p)...), p...)
	}
	if len(stream) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed", len(stream))
	}

	const limit = 1000
	var got []string
	r := New(Options{Compressed: true, MaxMessage: limit, Text: func(msg []byte) { got = append(got, string(msg)) }})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for p := stream; len(p) > 0; p = p[min(len(p), 32<<10):] {
		if _, err := r.Write(p[:min(len(p), 32<<10)]); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if len(got) != 1 || got[0] != string(tail) || r.stats.TooLong != 1 {
		t.Errorf("got %d messages (%d too long), want the 500-byte tail", len(got), r.stats.TooLong)
	}
	if cap(r.buf) > limit || cap(r.hist.buf) > 2*windowSize {
		t.Errorf("buffers grew to %d and %d bytes", cap(r.buf), cap(r.hist.buf))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("inflating the bomb allocated %d bytes", alloc)
	}
}
