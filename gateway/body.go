package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// firstBufSize is the buffer the first read of a reply goes into.
const firstBufSize = 4 << 10

var firstBufs = sync.Pool{New: func() any { b := make([]byte, firstBufSize); return &b }}

func getBuf() *[]byte  { return firstBufs.Get().(*[]byte) }
func putBuf(b *[]byte) { firstBufs.Put(b) }

// attemptRec is one attempt's bookkeeping: it releases the key's in-flight slot
// and records the statistics exactly once.
type attemptRec struct {
	k      *key
	start  time.Time
	ttft   time.Duration
	class  errClass // nErrClass (none), or errClient for a relayed 4xx
	cancel context.CancelFunc
	done   func(usage) // Config.Usage for an answer, or nil
	once   sync.Once
}

// finish records the attempt as failed with class c (nErrClass: it succeeded).
func (a *attemptRec) finish(c errClass, u usage) {
	a.once.Do(func() {
		k := a.k
		k.inflight.Add(-1)
		k.prov.inflight.Add(-1)
		a.cancel()
		if c < nErrClass {
			k.stats.errors[c].Add(1)
		}
		k.stats.tokensIn.Add(u.in)
		k.stats.tokensOut.Add(u.out)
		k.stats.record(time.Now(), time.Since(a.start), a.ttft)
		if a.done != nil && a.ttft > 0 {
			a.done(u)
		}
	})
}

// relayBody is a provider's reply body on its way to the client: the first read
// (done before RoundTrip returned), then the rest. When the provider breaks off a
// stream it hands the client an error event of the client's dialect (event), then
// the error, so that the proxy cuts the connection too and records why: the client
// never takes a cut stream for a complete answer.
type relayBody struct {
	a        *attemptRec
	rc       io.ReadCloser
	first    *[]byte // pool buffer behind pending, returned once drained
	pending  []byte
	firstErr error // what the first read returned with its bytes (nil or io.EOF)
	// eventKind is the client dialect whose error event ends a cut stream; "" for
	// a reply that is no stream (the proxy's cut connection says it then).
	eventKind string
	ndjson    bool
	err       error // once set, every Read returns it after pending
	use       usage
	tail      [2]byte // the last two bytes given out, to know whether an event ended
	scanned   bool
}

func (b *relayBody) Read(p []byte) (int, error) {
	if !b.scanned {
		b.scanned = true
		b.use.scan(b.pending)
		if b.firstErr != nil {
			b.end(b.firstErr)
		}
	}
	if len(b.pending) > 0 {
		n := copy(p, b.pending)
		b.note(p[:n])
		b.pending = b.pending[n:]
		if len(b.pending) == 0 && b.first != nil {
			putBuf(b.first)
			b.first = nil
		}
		return n, nil
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	if n > 0 {
		b.use.scan(p[:n])
		b.note(p[:n])
	}
	if err != nil {
		b.end(err)
		if b.err != io.EOF && len(b.pending) > 0 {
			return n, nil // the error event goes out first
		}
		return n, b.err
	}
	return n, nil
}

// note keeps the last two bytes given out.
func (b *relayBody) note(p []byte) {
	switch len(p) {
	case 0:
	case 1:
		b.tail = [2]byte{b.tail[1], p[0]}
	default:
		b.tail = [2]byte{p[len(p)-2], p[len(p)-1]}
	}
}

// end records how the body ended; a cut stream queues its error event.
func (b *relayBody) end(err error) {
	if b.err != nil {
		return
	}
	b.err = err
	if err == io.EOF {
		b.a.finish(b.a.class, b.use)
		return
	}
	b.a.finish(errStreamCut, b.use)
	if b.eventKind != "" {
		fresh := b.tail == [2]byte{'\n', '\n'} || b.tail == [2]byte{} || (b.ndjson && b.tail[1] == '\n')
		b.pending = streamErrorEvent(b.eventKind, b.ndjson, fresh, "the provider's stream broke off: "+err.Error())
	}
}

// Close closes the provider's body. A body closed before its end (the client went
// away) counts as no error of the provider's.
func (b *relayBody) Close() error {
	err := b.rc.Close()
	if b.err == nil {
		b.err = io.ErrClosedPipe
		b.a.finish(b.a.class, b.use)
	}
	if b.first != nil {
		putBuf(b.first)
		b.first, b.pending = nil, nil
	}
	return err
}

// translated turns a provider's reply of another dialect into the client's: a
// stream through Translator.Stream as it arrives, a whole body through
// Translator.Response, an error into the client's error shape.
func (q *request) translated(out *http.Request, resp *http.Response, rb *relayBody, p *provider, model string) *http.Response {
	tr := q.g.cfg.Translator
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	side := q.side
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(rb, 1<<20))
		rb.Close()
		side.reply.write(msg)
		e := errorResponse(out, q.kind, resp.StatusCode, "upstream_error", "provider_error",
			p.name+" answered "+resp.Status+": "+string(bytes.TrimSpace(msg)), 0)
		e.Header.Set("X-Llmtap-Provider", p.name)
		return e
	}
	if q.stream {
		// A stream's first read is often its first event alone: the capture
		// starts at the first read buffer's size, which holds a short answer
		// whole, rather than growing from that event.
		side.reply.b = make([]byte, 0, firstBufSize)
		tb := &translatedBody{src: rb, raw: &side.reply, bufs: translatedPool.Get().(*translatedBufs)}
		tb.st = tr.Stream(q.kind, p.kind, model, tb)
		resp.Body = tb
		return resp
	}
	whole, err := io.ReadAll(rb)
	rb.Close()
	side.reply.write(whole)
	if err == nil {
		whole, err = tr.Response(q.kind, p.kind, model, whole)
	}
	if err != nil {
		e := errorResponse(out, q.kind, http.StatusBadGateway, "upstream_error", "untranslatable",
			"llmtap cannot translate the answer of "+p.name+": "+err.Error(), 0)
		e.Header.Set("X-Llmtap-Provider", p.name)
		return e
	}
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(whole)))
	resp.ContentLength = int64(len(whole))
	resp.Body = io.NopCloser(bytes.NewReader(whole))
	return resp
}

// translatedBody feeds a provider's stream through a StreamTranslator and gives
// out what it writes. A cut ends with the translator's Abort (its error event),
// then the error. Its buffers come from a pool and go back at Close.
type translatedBody struct {
	src  *relayBody
	raw  *capBuf // the provider's bytes, for the capture
	st   StreamTranslator
	bufs *translatedBufs // nil once closed
	err  error
}

// translatedBufs are a translatedBody's read buffer and the client bytes the
// translator wrote and Read has not given out yet.
type translatedBufs struct {
	in  [8 << 10]byte
	out bytes.Buffer
}

var translatedPool = sync.Pool{New: func() any { return new(translatedBufs) }}

// Write takes the translator's output.
func (t *translatedBody) Write(p []byte) (int, error) {
	if t.bufs == nil {
		return 0, io.ErrClosedPipe
	}
	return t.bufs.out.Write(p)
}

func (t *translatedBody) Read(p []byte) (int, error) {
	if t.bufs == nil {
		return 0, io.ErrClosedPipe
	}
	out := &t.bufs.out
	for out.Len() == 0 && t.err == nil {
		n, err := t.src.Read(t.bufs.in[:])
		if n > 0 {
			t.raw.write(t.bufs.in[:n])
			if _, werr := t.st.Write(t.bufs.in[:n]); werr != nil {
				err = werr
			}
		}
		switch {
		case err == io.EOF:
			_ = t.st.Close()
			t.err = io.EOF
		case err != nil:
			_ = t.st.Abort("the provider's stream broke off: " + err.Error())
			t.err = err
		}
	}
	if out.Len() > 0 {
		return out.Read(p)
	}
	return 0, t.err
}

func (t *translatedBody) Close() error {
	if b := t.bufs; b != nil {
		t.bufs = nil
		// A buffer grown by one long event is left to the collector.
		if b.out.Cap() <= 64<<10 {
			b.out.Reset()
			translatedPool.Put(b)
		}
	}
	return t.src.Close()
}

// providerSide is what went to a provider and came back when it differs from what
// the client sent and got: the body after an alias's model name was put in, or
// reasoning stripped for a fallback, or translation; and, translated, the
// provider's reply header and bytes. The proxy's capture records it (see
// proxy.ProviderSide), so a conversation is threaded in the provider's dialect.
type providerSide struct {
	req    []byte
	header http.Header // nil: the reply was not translated
	reply  capBuf
}

// captureMax bounds the provider reply kept for the capture; the proxy caps it
// further to its own capture limit.
const captureMax = 32 << 20

// capBuf keeps the first captureMax bytes written to it.
type capBuf struct {
	b         []byte
	truncated bool
}

func (c *capBuf) write(p []byte) {
	if room := captureMax - len(c.b); len(p) > room {
		p, c.truncated = p[:max(room, 0)], true
	}
	c.b = append(c.b, p...)
}

// sideBody is a routed reply's body that tells the proxy what the provider side
// of the exchange was (proxy.ProviderSide).
type sideBody struct {
	io.ReadCloser
	side *providerSide
}

// ReplacesReply tells the proxy (proxy.ReplyReplacer) that the capture takes the
// provider's reply, not the translated one the client gets, so the relay need not
// keep a copy of the translation.
func (b *sideBody) ReplacesReply() bool { return b.side.header != nil }

// ProviderSide returns the request body sent to the provider and, when the reply
// was translated, the provider's reply header and body (nil otherwise). The reply
// is complete once the body has been read to its end. The header is the provider
// reply's own clone, made for the proxy to keep.
func (b *sideBody) ProviderSide() (reqBody []byte, respHeader http.Header, respBody []byte, truncated bool) {
	s := b.side
	if s.header == nil {
		return s.req, nil, nil, false
	}
	return s.req, s.header, s.reply.b, s.reply.truncated
}
