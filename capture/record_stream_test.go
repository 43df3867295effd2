package capture

import (
	"bytes"
	"testing"

	"github.com/llmtap/llmtap/internal/prose"
	"github.com/llmtap/llmtap/internal/zpool"
)

// TestRecordOfStreamedRequest: a request body the proxy forwarded as it arrived
// comes as a frame (Exchange.ReqZstd), in memory chunks or, once big, in a file; the
// record carries that frame as it is (the chunks themselves, or the file to be read
// while the log writes it), and decodes to the body, with the frame told apart for
// the store to keep.
func TestRecordOfStreamedRequest(t *testing.T) {
	for _, tt := range []struct {
		name  string
		body  []byte
		spill bool
	}{
		{"frame_in_memory", bytes.Repeat([]byte(`{"role":"user","content":"a long history, 成都美食"},`), 60_000), false},
		{"frame_in_a_file", []byte(prose.Text(5 << 20)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := ""
			if tt.spill {
				dir = t.TempDir()
			}
			w := zpool.NewSpillingWriter(dir)
			for rest := tt.body; len(rest) > 0; {
				n := min(32<<10, len(rest))
				w.Write(rest[:n])
				rest = rest[n:]
			}
			f, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Release()
			if (f.File() != nil) != tt.spill {
				t.Fatalf("frame of %d bytes in a file: %v, want %v", f.Size(), f.File() != nil, tt.spill)
			}
			frame, _ := f.Bytes()
			ex := sampleExchange("", `{"choices":[]}`)
			ex.ReqZstd, ex.ReqLen = f, len(tt.body)
			p, err := encodeParts(ex)
			if err != nil {
				t.Fatal(err)
			}
			// The frame's pieces are the record's own: carried, not compressed again or copied.
			if pieces := f.Chunks(); pieces != nil {
				if len(p) != 1+len(pieces)+1 || &p[1].Bytes[0] != &pieces[0][0] {
					t.Errorf("record in %d parts, want the head, the frame's %d pieces as they are, the reply", len(p), len(pieces))
				}
			} else if len(p) != 3 || p[1].File != f.File() || p[1].Size != f.Size() {
				t.Errorf("record in %d parts, want the head, the frame's file, the reply", len(p))
			}
			rec, err := p.join()
			if err != nil {
				t.Fatal(err)
			}
			got, frames, err := decodeRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.ReqBody, tt.body) || string(got.RespBody) != `{"choices":[]}` {
				t.Errorf("decoded request of %d bytes and reply %q, want %d and the reply", len(got.ReqBody), got.RespBody, len(tt.body))
			}
			// The frame does not say the body's size (it was made as the body streamed): the
			// record does, and the body is decoded into a buffer of just that size.
			if cap(got.ReqBody) != len(tt.body) {
				t.Errorf("request decoded into a buffer of %d bytes for %d", cap(got.ReqBody), len(tt.body))
			}
			if !bytes.Equal(frames.req, frame) {
				t.Errorf("request frame of %d bytes, want the %d-byte frame the proxy made", len(frames.req), len(frame))
			}
		})
	}
}
