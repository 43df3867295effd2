package proxy

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"sync"

	"github.com/llmtap/llmtap/internal/zpool"
)

// streamAbove is the request body size from which the body is forwarded as it
// arrives instead of being read whole first: a 30 MB request then costs the relay
// its compressed capture (a few MB of text) and this much, not 30 MB. Smaller
// bodies are read whole, which answers 413 before anything is forwarded and lets
// the transport send them again on a stale connection.
const streamAbove = 1 << 20

// errNotReplayable is what the transport gets when it would send a streamed body
// again after part of it came from the client: those bytes are gone.
var errNotReplayable = errors.New("llmtap: the request body was forwarded as it arrived and cannot be sent again")

// streamable reports whether a body of r's Content-Type may be forwarded as it
// arrives: any but a form, whose credential fields are redacted from it whole.
func streamable(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt != "application/x-www-form-urlencoded"
}

// bodyStream is a request body longer than streamAbove on its way upstream: the
// part read to find that out (head), then the rest as the client sends it. What
// passes is also captured (bodyCapture): redacted and compressed as it goes, so the
// relay never holds the body whole. The transport reads it on its own goroutine
// while the handler may finish the exchange, hence the lock.
type bodyStream struct {
	mu       sync.Mutex
	head     []byte
	pos      int       // how much of head was passed on
	rest     io.Reader // the client's body after head, limited to Config.MaxBody
	restRead bool      // rest was read from: head is let go and cannot be replayed
	ended    bool      // the client's body ended (or failed): rest is not read again
	err      error     // why reading the client's body failed, or nil
	lift     func()    // lifts the body's read deadline once the body ended
	capt     *bodyCapture
	newCapt  func() *bodyCapture // a fresh capture, for a replay; nil: not capturing
}

// Read passes the body on, capturing each byte as it goes.
func (b *bodyStream) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pos < len(b.head) {
		n := copy(p, b.head[b.pos:])
		b.capt.write(p[:n])
		b.pos += n
		return n, nil
	}
	if b.ended {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	if !b.restRead {
		b.restRead, b.head = true, nil // sent: nothing holds it now
	}
	n, err := b.rest.Read(p)
	b.capt.write(p[:n])
	if err != nil {
		b.end(err)
	}
	return n, err
}

// end records how the client's body ended and lifts its deadline.
func (b *bodyStream) end(err error) {
	b.ended = true
	if err != io.EOF {
		b.err = err
	}
	if b.lift != nil {
		b.lift()
		b.lift = nil
	}
}

// replay is the request's GetBody: the transport sends the body again on a fresh
// connection when a reused one was dead, which works while nothing past head was
// taken from the client.
func (b *bodyStream) replay() (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.restRead {
		return nil, errNotReplayable
	}
	b.pos = 0
	if b.newCapt != nil {
		b.capt.discard()
		b.capt = b.newCapt()
	}
	return io.NopCloser(b), nil
}

// readErr is why the client's body could not be read, or nil (also for no stream).
func (b *bodyStream) readErr() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// complete completes the capture once the exchange is over, before it is finished
// (Server.finish scrubs the rest of ex with the secrets found in the body). The part
// of the body the upstream did not take (it answered early) is read from the client
// into the capture, so the capture holds what the client sent. It puts the body in
// ex as a frame. Nothing happens for no stream or no capture.
func (b *bodyStream) complete(ex *Exchange, sec *secrets) {
	if b == nil || ex == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ended {
		if b.pos < len(b.head) {
			b.capt.write(b.head[b.pos:])
			b.pos = len(b.head)
		}
		b.head, b.restRead = nil, true
		buf := copyBufs.Get().(*[]byte)
		for !b.ended {
			n, err := b.rest.Read(*buf)
			b.capt.write((*buf)[:n])
			if err != nil {
				b.end(err)
			}
		}
		copyBufs.Put(buf)
	}
	if b.capt == nil {
		return
	}
	frame, n, truncated, found, err := b.capt.close()
	b.capt = nil
	if err != nil {
		ex.Err = joinErr(ex.Err, "capture of the request body: "+err.Error())
		return
	}
	ex.ReqZstd, ex.ReqLen = frame, int(n)
	ex.Truncated = ex.Truncated || truncated
	*sec = append(*sec, found...)
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// bodyCapture is the captured form of a streamed request body in the making: the
// first limit bytes, a JSON body's credential members redacted (redactStream),
// compressed into one zstd frame; a body that holds a secret (one known from URL and
// headers, spotted as it passes, or one found in it) is scrubbed whole at the end.
type bodyCapture struct {
	z         *zpool.Writer
	redact    *redactStream // nil for a body that is not JSON
	spot      *secretSpotter
	first     io.Writer // redact, or spot
	limit     int64
	taken     int64
	truncated bool
	known     int     // how many of sec were known from URL and headers
	sec       secrets // those, then the ones found in the body
	err       error
}

// newBodyCapture starts capturing a body that is JSON when json is set, with the
// secrets known from the request's URL and headers.
func newBodyCapture(sec secrets, limit int64, json bool, spillDir string) *bodyCapture {
	c := &bodyCapture{z: zpool.NewSpillingWriter(spillDir), limit: limit, known: len(sec), sec: append(secrets(nil), sec...)}
	c.spot = newSecretSpotter(c.z, sec)
	c.first = c.spot
	if json {
		c.redact = &redactStream{w: c.spot, found: &c.sec}
		c.first = c.redact
	}
	return c
}

// write captures p, up to the limit. A nil capture (capture off) takes nothing.
func (c *bodyCapture) write(p []byte) {
	if c == nil || c.err != nil || len(p) == 0 {
		return
	}
	if room := c.limit - c.taken; int64(len(p)) > room {
		p = p[:max(room, 0)]
		c.truncated = true
	}
	c.taken += int64(len(p))
	if len(p) > 0 {
		_, c.err = c.first.Write(p)
	}
}

// close ends the capture: the frame, what it decodes to, whether the body was cut
// at the limit and the secrets found in it. A body that holds a secret (known, or
// found in it, which may stand earlier than where it was found) has its frame
// scrubbed again whole: a cost only such a body pays.
func (c *bodyCapture) close() (frame *zpool.Frame, n int64, truncated bool, found secrets, err error) {
	if c.redact != nil && c.err == nil {
		c.err = c.redact.Close()
	}
	frame, zerr := c.z.Close()
	if err = errors.Join(c.err, zerr); err != nil {
		return nil, 0, false, nil, err
	}
	n, found = c.z.Len(), c.sec[c.known:]
	if len(found) > 0 || c.spot.seen {
		b, err := frame.Bytes()
		frame.Release()
		if err != nil {
			return nil, 0, false, nil, err
		}
		raw, err := zpool.Decode(b, make([]byte, 0, n))
		if err != nil {
			return nil, 0, false, nil, err
		}
		raw = c.sec.scrubBytes(raw)
		frame, n = zpool.FrameOf(zpool.Encode(raw, nil)), int64(len(raw))
	}
	return frame, n, c.truncated, found, nil
}

// discard drops a capture begun for a body the transport is sending again.
func (c *bodyCapture) discard() {
	if c != nil {
		if f, err := c.z.Close(); err == nil {
			f.Release()
		}
	}
}
