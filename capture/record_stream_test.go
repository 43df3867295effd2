package capture

import (
	"bytes"
	"testing"

	"github.com/llmtap/llmtap/internal/zpool"
)

// TestRecordOfStreamedRequest: a request body the proxy forwarded as it arrived
// comes as a frame (Exchange.ReqZstd); the record carries that frame as it is, and
// decodes to the body, with the frame told apart for the store to keep.
func TestRecordOfStreamedRequest(t *testing.T) {
	body := bytes.Repeat([]byte(`{"role":"user","content":"a long history, 成都美食"},`), 60_000)
	w := zpool.NewWriter()
	for rest := body; len(rest) > 0; {
		n := min(32<<10, len(rest))
		w.Write(rest[:n])
		rest = rest[n:]
	}
	pieces, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	frame := bytes.Join(pieces, nil)
	ex := sampleExchange("", `{"choices":[]}`)
	ex.ReqZstd, ex.ReqLen = pieces, len(body)
	p, err := encodeParts(ex)
	if err != nil {
		t.Fatal(err)
	}
	// The frame's pieces are the record's own: carried, not compressed again or copied.
	if len(p) != 1+len(pieces)+1 || &p[1][0] != &pieces[0][0] {
		t.Errorf("record in %d parts, want the head, the frame's %d pieces as they are, the reply", len(p), len(pieces))
	}
	rec := p.join()
	got, frames, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ReqBody, body) || string(got.RespBody) != `{"choices":[]}` {
		t.Errorf("decoded request of %d bytes and reply %q, want %d and the reply", len(got.ReqBody), got.RespBody, len(body))
	}
	// The frame does not say the body's size (it was made as the body streamed): the
	// record does, and the body is decoded into a buffer of just that size.
	if cap(got.ReqBody) != len(body) {
		t.Errorf("request decoded into a buffer of %d bytes for %d", cap(got.ReqBody), len(body))
	}
	if !bytes.Equal(frames.req, frame) {
		t.Errorf("request frame of %d bytes, want the %d-byte frame the proxy made", len(frames.req), len(frame))
	}
}
