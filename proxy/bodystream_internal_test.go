package proxy

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkBodyCapture measures capturing a streamed 30 MB chat request as the relay
// does (redactStream, secretSpotter, zstd) in 32 KiB reads, beside compressing it
// alone: what capture costs over the compression the store needs anyway.
func BenchmarkBodyCapture(b *testing.B) {
	body := proseChat(30_000_000)
	for _, tt := range []struct {
		name   string
		json   bool
		secret bool
	}{{"zstd_only", false, false}, {"json", true, false}, {"json_with_a_header_key", true, true}} {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			var known secrets
			if tt.secret {
				known = secrets{"sk-header-0123456789abcdef"}
			}
			for b.Loop() {
				c := newBodyCapture(known, 1<<40, tt.json, "")
				for p := body; len(p) > 0; {
					n := min(32<<10, len(p))
					c.write(p[:n])
					p = p[n:]
				}
				if _, _, _, _, err := c.close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBodyStreamReplay: a streamed body can be sent again while only its first part
// was taken (the transport retries a dead reused connection with it), and the
// capture starts over with it; once the client's rest was read, it cannot.
func TestBodyStreamReplay(t *testing.T) {
	head, rest := []byte(`{"a":"`), []byte(`b"}`)
	b := &bodyStream{head: head, rest: bytes.NewReader(rest)}
	b.newCapt = func() *bodyCapture { return newBodyCapture(nil, 1<<20, true, "") }
	b.capt = b.newCapt()
	first := make([]byte, 3)
	if n, _ := b.Read(first); n != 3 {
		t.Fatalf("read %d", n)
	}
	again, err := b.replay()
	if err != nil {
		t.Fatalf("replay with only the head taken: %v", err)
	}
	all, err := io.ReadAll(again)
	if err != nil || string(all) != `{"a":"b"}` {
		t.Fatalf("replayed body %q, %v", all, err)
	}
	if _, err := b.replay(); err != errNotReplayable {
		t.Errorf("replay after the rest was read: %v, want errNotReplayable", err)
	}
	ex := &Exchange{}
	var sec secrets
	b.complete(ex, &sec)
	got, err := ex.RequestBody()
	if err != nil || string(got) != `{"a":"b"}` {
		t.Errorf("captured %q (%v), want the body once", got, err)
	}
}
