package zpool

import (
	"bytes"
	"fmt"
	"testing"
)

// TestWriterMakesOneFrame: what a Writer gets in pieces of any size decodes back
// whole, and is one frame that FrameLen measures, as the capture log's records need.
func TestWriterMakesOneFrame(t *testing.T) {
	var big bytes.Buffer
	for i := 0; big.Len() < 5<<20; i++ {
		fmt.Fprintf(&big, "line %d of a long history, 成都美食 %d\n", i, i*7)
	}
	tests := []struct {
		name  string
		in    []byte
		piece int
	}{
		{"nothing", nil, 1},
		{"one_byte_pieces", []byte(`{"model":"m","messages":[]}`), 1},
		{"five_megabytes_in_32k_pieces", big.Bytes(), 32 << 10},
		{"five_megabytes_in_odd_pieces", big.Bytes(), 70001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter()
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
			parts, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			frame := bytes.Join(parts, nil)
			for i, p := range parts[:max(len(parts)-1, 0)] {
				if len(p) != chunkSize {
					t.Fatalf("chunk %d of %d holds %d bytes, want %d", i, len(parts), len(p), chunkSize)
				}
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
		})
	}
}
