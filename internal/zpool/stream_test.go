package zpool

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestWriterMakesOneFrame: what a Writer gets in pieces of any size decodes back
// whole, and is one frame that FrameLen measures, as the capture log's records need.
func TestWriterMakesOneFrame(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 5<<20; i++ {
		fmt.Fprintf(&big, "line %d of a long history, 成都美食 %d\n", i, i*7)
	}
	words := randomWords(6<<20, 7)
	tests := []struct {
		name  string
		in    []byte
		piece int
		spill bool // a spilling Writer
	}{
		{"nothing", nil, 1, false},
		{"one_byte_pieces", []byte(`{"model":"m","messages":[]}`), 1, false},
		{"five_megabytes_in_32k_pieces", big.Bytes(), 32 << 10, false},
		{"five_megabytes_in_odd_pieces", big.Bytes(), 70001, false},
		{"spilling_writer_small_frame", big.Bytes(), 32 << 10, true},
		{"spilling_writer_big_frame", words, 32 << 10, true},
		{"spilling_writer_big_frame_odd_pieces", words, 70001, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := ""
			if tt.spill {
				dir = t.TempDir()
			}
			w := NewSpillingWriter(dir)
			for in := tt.in; len(in) > 0; {
				n := min(tt.piece, len(in))
				if _, err := w.Write(in[:n]); err != nil {
					t.Fatal(err)
				}
				in = in[n:]
			}
			if w.Len() != int64(len(tt.in)) {
				t.Errorf("Len() = %d, want %d", w.Len(), len(tt.in))
			}
			f, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			inFile := f.File() != nil
			if want := tt.spill && f.Size() > SpillAt; inFile != want {
				t.Errorf("frame of %d bytes in a file: %v, want %v", f.Size(), inFile, want)
			}
			parts := f.Chunks()
			if inFile != (parts == nil) {
				t.Errorf("frame in a file (%v) and in %d memory chunks", inFile, len(parts))
			}
			for i, p := range parts[:max(len(parts)-1, 0)] {
				if len(p) != chunkSize {
					t.Fatalf("chunk %d of %d holds %d bytes, want %d", i, len(parts), len(p), chunkSize)
				}
			}
			frame, err := f.Bytes()
			if err != nil || int64(len(frame)) != f.Size() {
				t.Fatalf("Bytes: %d bytes (%v), Size %d", len(frame), err, f.Size())
			}
			if n := FrameLen(frame); n != len(frame) {
				t.Errorf("FrameLen = %d, want the whole %d-byte frame", n, len(frame))
			}
			got, err := Decode(frame, nil)
			if err != nil || !bytes.Equal(got, tt.in) {
				t.Errorf("decoded %d bytes (%v), want the %d written", len(got), err, len(tt.in))
			}
			if len(tt.in) > 1<<20 && len(frame) > len(tt.in)/2 {
				t.Errorf("frame of %d bytes for %d of text: not compressed", len(frame), len(tt.in))
			}
			f.Release()
			f.Release() // twice is harmless
			if dir != "" {
				if left, _ := os.ReadDir(dir); len(left) > 0 {
					t.Errorf("%d files left once the frame was released", len(left))
				}
			}
		})
	}
}

// randomWords is n bytes of words drawn at random from a vocabulary: it compresses
// about as prose does (~3x), so its frame is big.
func randomWords(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	vocab := make([][]byte, 4096)
	for i := range vocab {
		for range 2 + rng.IntN(8) {
			vocab[i] = append(vocab[i], byte('a'+rng.IntN(26)))
		}
	}
	out := make([]byte, 0, n+16)
	for len(out) < n {
		out = append(append(out, vocab[rng.IntN(len(vocab))]...), ' ')
	}
	return out[:n]
}

// TestSpilledFrameHasNoName: where an open file can be removed, a spilled frame's
// file has no name from the start, so a crash leaves nothing in the folder; and a
// Frame dropped without Release lets its file go when collected.
func TestSpilledFrameHasNoName(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("open files cannot be removed on Windows: RemoveSpilled clears them at start")
	}
	dir := t.TempDir()
	w := NewSpillingWriter(dir)
	w.Write(randomWords(4<<20, 9))
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("%d files named in the spill folder while the frame is written", len(left))
	}
	f, err := w.Close()
	if err != nil || f.File() == nil {
		t.Fatalf("frame of %d bytes not spilled (%v)", f.Size(), err)
	}
	file := f.File().(*os.File)
	f = nil
	for range 10 {
		runtime.GC()
		if _, err := file.Stat(); err != nil {
			return // closed by the cleanup
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("a spilled frame dropped without Release kept its file open")
}

// TestRemoveSpilled removes frame files left in a folder and nothing else.
func TestRemoveSpilled(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"frame-123.zst", "frame-x.zst", "00000000000000000000.seg", "unsaved.json"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	if err := RemoveSpilled(dir); err != nil {
		t.Fatal(err)
	}
	var left []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if want := []string{"00000000000000000000.seg", "unsaved.json"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	if err := RemoveSpilled(filepath.Join(dir, "none")); err != nil {
		t.Errorf("a missing folder: %v", err)
	}
}
