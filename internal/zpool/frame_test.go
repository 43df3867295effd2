package zpool

import (
	"bytes"
	"math/rand"
	"testing"
)

func TestFrameLen(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 300_000)
	rng.Read(random)
	tests := []struct {
		name string
		body []byte
	}{
		{"one_byte", []byte("x")},
		{"text", bytes.Repeat([]byte("the quick brown fox "), 1000)},
		{"run", bytes.Repeat([]byte{0}, 1<<20)}, // RLE blocks
		{"random", random},                      // raw blocks, several of them
		{"mixed", append(bytes.Repeat([]byte("ab"), 200_000), random[:100_000]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := Encode(tt.body, nil)
			next := Encode([]byte("next"), nil)
			if got := FrameLen(append(frame, next...)); got != len(frame) {
				t.Fatalf("FrameLen of a %d-byte frame and another = %d", len(frame), got)
			}
			if got := FrameLen(frame); got != len(frame) {
				t.Fatalf("FrameLen of a %d-byte frame alone = %d", len(frame), got)
			}
			if got := FrameLen(frame[:len(frame)-1]); got != 0 {
				t.Fatalf("FrameLen of a frame cut by a byte = %d, want 0", got)
			}
			two := append(frame, next...)
			if got := FrameLenAt(bytes.NewReader(two), int64(len(two))); got != int64(len(frame)) {
				t.Fatalf("FrameLenAt of a %d-byte frame and another = %d", len(frame), got)
			}
			if got := FrameLenAt(bytes.NewReader(two), int64(len(frame)-1)); got != 0 {
				t.Fatalf("FrameLenAt of a frame cut by a byte = %d, want 0", got)
			}
		})
	}
	for _, bad := range [][]byte{nil, []byte("hello world"), {0x28, 0xb5, 0x2f, 0xfd}} {
		if got := FrameLen(bad); got != 0 {
			t.Errorf("FrameLen(%q) = %d, want 0", bad, got)
		}
	}
}

// FuzzFrameLen checks that FrameLen never reads past src, that FrameLenAt agrees
// with it, and that on two encoded frames it finds where the first ends.
func FuzzFrameLen(f *testing.F) {
	f.Add([]byte("hello"), []byte("world"))
	f.Add(bytes.Repeat([]byte{7}, 5000), []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		n := FrameLen(a)
		if n < 0 || n > len(a) {
			t.Fatalf("FrameLen(%x) = %d, beyond its %d bytes", a, n, len(a))
		}
		if at := FrameLenAt(bytes.NewReader(a), int64(len(a))); at != int64(n) {
			t.Fatalf("FrameLenAt(%x) = %d, FrameLen %d", a, at, n)
		}
		fa := Encode(a, nil)
		if got := FrameLen(append(fa, Encode(b, nil)...)); got != len(fa) {
			t.Fatalf("FrameLen = %d, want %d", got, len(fa))
		}
	})
}

// TestEncodeWindow: a big body is framed with the 1 MiB window the encoders are
// set to (each pooled encoder's buffers follow it), read from the frame header.
func TestEncodeWindow(t *testing.T) {
	body := bytes.Repeat([]byte("a body bigger than the window, "), 100_000) // 3 MB
	frame := Encode(body, nil)
	fhd := frame[4]
	if fhd&0x20 != 0 {
		t.Fatalf("frame of %d bytes is single-segment: its window is the whole body", len(body))
	}
	wd := frame[5]
	base := 1 << (10 + wd>>3)
	window := base + base/8*int(wd&7)
	if window > 1<<20 {
		t.Errorf("window %d bytes, want at most 1 MiB", window)
	}
	if got, err := Decode(frame, nil); err != nil || !bytes.Equal(got, body) {
		t.Errorf("round trip: %v", err)
	}
}
