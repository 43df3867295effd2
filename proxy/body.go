package proxy

import (
	"errors"
	"io"
	"net/http"
	"os"
)

// minGrow is the first capacity a body buffer gets once bytes arrive.
const minGrow = 512

// grow returns b with room for n more bytes. Capacity follows what has arrived, never
// what a peer announced (Content-Length): a peer that announces 32 MiB and sends
// nothing must cost nothing. The new capacity is twice the old one (at least minGrow
// and what is needed), clipped to want when want is still enough, so a body whose
// length was announced ends in a buffer of exactly that size. want < 0 means unknown.
func grow(b []byte, n int, want int64) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	need := len(b) + n
	c := max(2*cap(b), minGrow, need)
	if want >= int64(need) && int64(c) > want {
		c = int(want)
	}
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}

// readBody reads the whole request body, up to s.maxBody, into a buffer that grows as
// the bytes arrive. Reading it first also keeps net/http from closing it when reply
// headers go out (golang/go#40747), lets the transport retry the request on a stale
// connection, and answers 413 before anything is forwarded. What was read is returned
// with the error.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, _, err := s.readStart(w, r, -1)
	return b, err
}

// readStart reads the request body as readBody does, but stops once more than stop
// bytes are in when stop >= 0: rest is then the reader of what follows (nil when the
// body ended first). Nothing is sized from Content-Length before the bytes arrive.
func (s *Server) readStart(w http.ResponseWriter, r *http.Request, stop int) (b []byte, rest io.Reader, err error) {
	if r.ContentLength > s.maxBody {
		return nil, nil, &http.MaxBytesError{Limit: s.maxBody}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil, nil
	}
	want := int64(-1)
	if r.ContentLength >= 0 {
		want = r.ContentLength + 1 // +1 so the read that sees EOF needs no growth
	}
	if stop >= 0 && (want < 0 || want > int64(stop)+1) {
		want = int64(stop) + 1 // the head of a longer body: no growth past stop
	}
	body := http.MaxBytesReader(w, r.Body, s.maxBody)
	for {
		if stop >= 0 && len(b) > stop {
			return b, body, nil
		}
		b = grow(b, 1, want)
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil, nil
		}
		if err != nil {
			return b, nil, err
		}
	}
}

// isTimeout reports whether err is a read deadline passing (Config.BodyTimeout), on
// an HTTP/1 connection or an HTTP/2 stream.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// capped returns b cut to limit bytes, marking ex truncated when it was longer. The
// result shares memory with b.
func capped(b []byte, limit int64, ex *Exchange) []byte {
	if int64(len(b)) > limit {
		ex.Truncated = true
		return b[:limit:limit]
	}
	return b
}

// tee keeps the first limit bytes written to it. A body of announced length grows
// one buffer as the bytes arrive (see grow), which ends at just that size. A body of
// unknown length (a stream) that passes teeChunk goes on in chunks of that size,
// joined once at the end: doubling one buffer took a 2.1 MB stream through buffers
// of 64 KiB to 4 MiB, 8 MB in all, and ended in one of twice its size.
type tee struct {
	buf       []byte
	more      [][]byte // after buf, for a body of unknown length
	n         int64    // bytes kept
	limit     int64
	want      int64 // the announced length, or -1
	truncated bool
}

// teeChunk is the size from which, and in which, a tee of unknown length grows.
const teeChunk = 256 << 10

func (t *tee) write(p []byte) {
	room := t.limit - t.n
	if int64(len(p)) > room {
		p = p[:max(room, 0)]
		t.truncated = true
	}
	if len(p) == 0 {
		return
	}
	t.n += int64(len(p))
	if t.want >= 0 || len(t.buf)+len(p) <= teeChunk && t.more == nil {
		want := t.limit
		if t.want >= 0 {
			want = min(t.want, t.limit)
		}
		t.buf = append(grow(t.buf, len(p), want), p...)
		return
	}
	for len(p) > 0 {
		last := &t.buf
		if t.more != nil {
			last = &t.more[len(t.more)-1]
		}
		if len(*last) == cap(*last) {
			t.more = append(t.more, make([]byte, 0, teeChunk))
			last = &t.more[len(t.more)-1]
		}
		k := copy((*last)[len(*last):cap(*last)], p)
		*last = (*last)[:len(*last)+k]
		p = p[k:]
	}
}

// bytes returns what t kept, in one slice, and empties t. Each chunk is let go as
// soon as it is copied, so the body is live once, not twice, while it is joined.
func (t *tee) bytes() []byte {
	if t.more == nil {
		return t.buf
	}
	out := make([]byte, 0, t.n)
	out = append(out, t.buf...)
	t.buf = nil
	for i, c := range t.more {
		out = append(out, c...)
		t.more[i] = nil
	}
	t.more = nil
	return out
}
