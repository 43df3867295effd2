package proxy

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestTeeKeepsWhatCameUpToTheLimit: a tee keeps every byte written to it up to its
// limit, in order, whatever the pieces; a body of announced length ends in a buffer
// of that size, and a stream of unknown length in one of its own size, not one grown
// by doubling.
func TestTeeKeepsWhatCameUpToTheLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 2_100_000)
	for i := range body {
		body[i] = byte('a' + rng.IntN(26))
	}
	tests := []struct {
		name      string
		in        []byte
		want      int64 // announced length, -1 unknown
		limit     int64
		piece     int
		truncated bool
	}{
		{"small_stream", body[:1000], -1, 1 << 30, 100, false},
		{"stream_at_the_chunk_size", body[:teeChunk], -1, 1 << 30, 4096, false},
		{"stream_of_2mb_in_8k_events", body, -1, 1 << 30, 8 << 10, false},
		{"stream_of_2mb_in_odd_pieces", body, -1, 1 << 30, 70001, false},
		{"stream_cut_at_the_limit", body, -1, 1_000_003, 8 << 10, true},
		{"announced_2mb", body, int64(len(body)), 1 << 30, 32 << 10, false},
		{"announced_cut_at_the_limit", body, int64(len(body)), 500_000, 32 << 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := tee{limit: tt.limit, want: tt.want}
			for in := tt.in; len(in) > 0; {
				n := min(tt.piece, len(in))
				te.write(in[:n])
				in = in[n:]
			}
			got := te.bytes()
			want := tt.in[:min(int64(len(tt.in)), tt.limit)]
			if !bytes.Equal(got, want) || te.truncated != tt.truncated {
				t.Fatalf("kept %d bytes (truncated %v), want the first %d (%v)", len(got), te.truncated, len(want), tt.truncated)
			}
			if len(got) > teeChunk && cap(got) != len(got) {
				t.Errorf("%d bytes kept in a buffer of %d", len(got), cap(got))
			}
		})
	}
}
