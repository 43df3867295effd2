package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// copyBufSize is the relay buffer size, as in io.Copy.
const copyBufSize = 32 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// forward proxies r to up and emits one Exchange (if capturing). It is the one path
// every proxied request takes, whatever form it was routed by.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, up *url.URL, route string) {
	ex, sec := s.newExchange(r, up, route)
	stop := -1
	if streamable(r) {
		stop = streamAbove
	}
	head, rest, lift, err := s.readStartInTime(w, r, stop)
	if err != nil {
		s.bodyError(w, r, ex, sec, err)
		return
	}
	if rest == nil {
		s.send(w, r, up, ex, sec, head, s.transport, false)
		return
	}
	s.sendStreamed(w, r, up, ex, sec, &bodyStream{head: head, rest: rest, lift: lift})
}

// sendStreamed is send for a body longer than streamAbove: what was read of it
// (head) goes upstream first, then the rest as the client sends it (bodyStream).
func (s *Server) sendStreamed(w http.ResponseWriter, r *http.Request, up *url.URL, ex *Exchange, sec secrets, b *bodyStream) {
	// An upstream may answer before it has read the whole body (an early error): the
	// rest is still read for the capture after the answer went out.
	_ = http.NewResponseController(w).EnableFullDuplex()
	s.sendBody(w, r, up, ex, sec, b, r.ContentLength, b.replay, s.transport, false)
}

// newExchange starts the capture of r (nil when capture is off).
func (s *Server) newExchange(r *http.Request, up *url.URL, route string) (*Exchange, secrets) {
	var sec secrets
	if !s.Capturing() {
		return nil, sec
	}
	return &Exchange{
		Method: r.Method,
		URL:    redactURL(up, &sec),
		Route:  route,
		Host:   up.Host,
		Path:   up.Path,
		Start:  time.Now(),
	}, sec
}

// send forwards r, whose body was read already, to up through rt and relays the
// answer (see forward). routed says rt is the gateway's.
func (s *Server) send(w http.ResponseWriter, r *http.Request, up *url.URL, ex *Exchange, sec secrets, body []byte, rt http.RoundTripper, routed bool) {
	if ex != nil {
		ex.ReqBody = capped(body, s.captureLimit, ex)
	}
	s.sendBody(w, r, up, ex, sec, bytes.NewReader(body), int64(len(body)), nil, rt, routed)
}

// sendBody is send with the body as a reader of length n (-1: unknown); a
// bodyStream is captured as it is read, and can be sent again through replay
// while that is possible.
func (s *Server) sendBody(w http.ResponseWriter, r *http.Request, up *url.URL, ex *Exchange, sec secrets,
	body io.Reader, n int64, replay func() (io.ReadCloser, error), rt http.RoundTripper, routed bool) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, up.String(), body)
	if err != nil {
		// Method and URL were valid on the way in; a failure here is a bug.
		s.log.Error("build upstream request", "method", r.Method, "err", err)
		writeError(w, http.StatusInternalServerError, "proxy_error", "internal_error", "llmtap could not build the upstream request")
		return
	}
	out.Header = outboundHeader(r.Header)
	convertAuth(out.Header, up)
	upgrade := upgradeType(r.Header)
	if upgrade != "" {
		// Hop-by-hop, but the handshake itself: the upstream must see it (and net/http
		// then keeps the connection HTTP/1.1 and hands it over on a 101).
		out.Header.Set("Connection", "Upgrade")
		out.Header.Set("Upgrade", upgrade)
	}
	if ex != nil {
		ex.ReqHeader = out.Header.Clone()
		redactHeader(ex.ReqHeader, &sec)
	}
	stream, _ := body.(*bodyStream)
	if stream != nil {
		out.ContentLength, out.GetBody = n, replay
		if n == 0 {
			out.ContentLength = -1 // announced as empty, yet longer: let the transport chunk it
		}
		if ex != nil {
			stream.newCapt = s.captureOf(stream.head, sec)
			stream.capt = stream.newCapt()
		}
	}
	setTransportDefaults(out.Header)

	resp, err := rt.RoundTrip(out)
	if err != nil {
		berr := stream.readErr()
		stream.complete(ex, &sec)
		if berr != nil {
			s.bodyError(w, r, ex, sec, berr) // the client's body failed, not the upstream
			return
		}
		s.unreachable(w, r, up, ex, sec, err)
		return
	}
	defer resp.Body.Close()
	if routed {
		gatewayRouted(ex, resp, &sec)
	}

	if upgrade != "" && resp.StatusCode == http.StatusSwitchingProtocols {
		stream.complete(ex, &sec)
		sess, ok := s.sessions.begin()
		if !ok {
			writeError(w, http.StatusServiceUnavailable, "proxy_error", "shutting_down", "llmtap is shutting down")
			if ex != nil {
				ex.Status, ex.Err = http.StatusServiceUnavailable, "llmtap is shutting down"
			}
			s.finish(r, ex, sec)
			return
		}
		defer sess.end() // after finish: Shutdown waits for the capture
		s.switchProtocols(w, r, resp, ex, sess)
		s.finish(r, ex, sec)
		return
	}
	abort, held := s.relay(w, r, resp, ex)
	stream.complete(ex, &sec)
	if routed {
		s.providerSide(ex, resp.Body, &sec)
	}
	// The Sink may block until the exchange is durable; only then does the client get
	// the last byte it is waiting for (see Sink). A chunked or HTTP/2 reply ends when
	// this handler returns, which is after finish too.
	s.finish(r, ex, sec)
	if held != nil {
		_, _ = w.Write(held) // a client gone by now changes nothing: the capture is kept
	}
	if abort {
		// The status line is out: only a cut connection tells the client that the
		// body is incomplete (net/http does the same in ReverseProxy).
		panic(http.ErrAbortHandler)
	}
}

// readBodyInTime is readBody within Config.BodyTimeout. The deadline is lifted as
// soon as the body is in: a streamed reply, or a WebSocket session, may run for many
// minutes on the same connection. (net/http's HTTP/1 server lifts it too when the
// body ends, and HTTP/2's only closes the body; TestBodyTimeoutSparesStreams holds
// the behaviour, whichever does it.)
func (s *Server) readBodyInTime(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, _, _, err := s.readStartInTime(w, r, -1)
	return body, err
}

// readStartInTime is readStart within Config.BodyTimeout. When the body goes on past
// stop, the deadline stays for the rest, and lift lifts it once that ended.
func (s *Server) readStartInTime(w http.ResponseWriter, r *http.Request, stop int) (head []byte, rest io.Reader, lift func(), err error) {
	if s.bodyTimeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		head, rest, err = s.readStart(w, r, stop)
		return head, rest, nil, err
	}
	rc := http.NewResponseController(w)
	// ErrNotSupported (a ResponseWriter that is no connection) leaves the body untimed.
	_ = rc.SetReadDeadline(time.Now().Add(s.bodyTimeout))
	lift = func() { _ = rc.SetReadDeadline(time.Time{}) }
	head, rest, err = s.readStart(w, r, stop)
	if rest == nil {
		lift()
		lift = nil
	}
	return head, rest, lift, err
}

// captureOf returns how a streamed request body is captured: as JSON when what came
// first (head) starts as JSON does, with the secrets known from URL and headers.
func (s *Server) captureOf(head []byte, sec secrets) func() *bodyCapture {
	first := firstNonSpace(head)
	json := first == '{' || first == '['
	return func() *bodyCapture { return newBodyCapture(sec, s.captureLimit, json, s.spillDir) }
}

// bodyError answers a request whose body could not be read: too large (413), too slow
// (408) or cut off by the client (400). The exchange is captured first, so that the
// client's answer, like every other, comes after the Sink has it.
func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, ex *Exchange, sec secrets, err error) {
	var (
		tooBig                 *http.MaxBytesError
		status                 int
		typ, code, msg, reason string
	)
	switch {
	case errors.As(err, &tooBig):
		status, typ, code = http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large"
		msg = fmt.Sprintf("request body is larger than llmtap's limit of %d bytes", s.maxBody)
		reason = msg
		s.log.Warn("request too large", "method", r.Method, "path", r.URL.Path, "limit", s.maxBody)
	case isTimeout(err):
		status, typ, code = http.StatusRequestTimeout, "invalid_request_error", "request_timeout"
		msg = fmt.Sprintf("llmtap did not receive the whole request body within %s", s.bodyTimeout)
		reason = msg
		if r.ProtoMajor == 1 {
			// The rest of the body may still come: this connection cannot carry another
			// request. (On HTTP/2 only the stream ends; Connection: close would send
			// GOAWAY to the client's other streams.)
			w.Header().Set("Connection", "close")
		}
		s.log.Warn("request body timed out", "method", r.Method, "path", r.URL.Path, "timeout", s.bodyTimeout)
	default:
		status, typ, code = http.StatusBadRequest, "invalid_request_error", "bad_request_body"
		msg = "llmtap could not read the request body"
		reason = "read request body: " + err.Error()
		s.log.Debug("read request body", "method", r.Method, "path", r.URL.Path, "err", err)
		if ex != nil {
			ex.Aborted = true
		}
	}
	if ex != nil {
		ex.Err = reason
	}
	s.finish(r, ex, sec)
	writeError(w, status, typ, code, msg)
}

// unreachable answers a request whose upstream round trip failed before a response.
func (s *Server) unreachable(w http.ResponseWriter, r *http.Request, up *url.URL, ex *Exchange, sec secrets, err error) {
	// url.Error repeats the URL, which may carry ?key=; keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := fmt.Sprintf("llmtap cannot reach upstream %s: %v", up.Host, err)
	aborted := r.Context().Err() != nil
	if aborted {
		s.log.Debug("client gone before response", "host", up.Host)
	} else {
		s.log.Warn("upstream unreachable", "host", up.Host, "err", sec.scrubString(err.Error()))
	}
	if ex != nil {
		ex.Aborted = aborted
		if !aborted {
			ex.Err = msg
		}
	}
	s.finish(r, ex, sec)
	// Written even when the client is gone: harmless, and never a default 200.
	writeError(w, http.StatusBadGateway, "proxy_error", "upstream_unreachable", msg)
}

// relay copies the upstream response to the client, teeing it into ex. It reports
// whether the handler must abort the client connection (upstream failed mid-body),
// and, when capturing a body of announced length, returns its last byte unwritten:
// the caller writes it once the Sink has the exchange, so a client that has the whole
// body knows it is kept. Bodies of unknown length need no such care: their end (the
// terminating chunk, HTTP/2's END_STREAM) goes out when the handler returns.
func (s *Server) relay(w http.ResponseWriter, r *http.Request, resp *http.Response, ex *Exchange) (abort bool, held []byte) {
	removeHopByHop(resp.Header)
	dst := w.Header()
	for k, v := range resp.Header {
		dst[k] = v
	}
	stream := isStream(resp)
	var t tee
	remain := int64(-1) // body bytes still to come, when announced and capturing
	keep := ex != nil && !replacesReply(resp.Body)
	if ex != nil {
		ex.Status = resp.StatusCode
		ex.Stream = stream
		if keep { // else the provider's header replaces it (providerSide)
			ex.RespHeader = resp.Header.Clone()
			redactHeader(ex.RespHeader, new(secrets))
		}
		t.limit, t.want = s.captureLimit, resp.ContentLength
		remain = resp.ContentLength
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	flush := stream
	if flush {
		// Send the headers now: SSE clients often wait for them before anything else.
		if err := rc.Flush(); errors.Is(err, http.ErrNotSupported) {
			flush = false
		}
	}

	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	buf := *bufp
	var first time.Time
	var clientErr, upErr error
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if first.IsZero() {
				first = time.Now()
			}
			out := buf[:n]
			if remain > 0 {
				if remain -= int64(n); remain <= 0 {
					held = []byte{buf[n-1]}
					out = buf[:n-1]
				}
			}
			// The client gets each chunk before the tee copies it.
			if len(out) > 0 {
				if _, clientErr = w.Write(out); clientErr != nil {
					held = nil
					break
				}
				if flush {
					if clientErr = rc.Flush(); clientErr != nil {
						held = nil
						break
					}
				}
			}
			if keep {
				t.write(buf[:n])
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			upErr = rerr
			break
		}
	}

	if ex == nil {
		return upErr != nil && r.Context().Err() == nil && clientErr == nil, nil
	}
	if first.IsZero() {
		first = time.Now() // empty body: the headers were the first bytes
	}
	ex.FirstByte = first
	ex.RespBody = t.bytes()
	ex.Truncated = ex.Truncated || t.truncated
	switch {
	case clientErr != nil || r.Context().Err() != nil:
		ex.Aborted = true
		held = nil
	case upErr != nil:
		ex.Err = "upstream response cut off: " + upErr.Error()
		s.log.Warn("upstream response cut off", "host", ex.Host, "err", upErr)
		return true, nil
	}
	return false, held
}

// finish completes ex and hands it to the sink. ex is nil when capture is off.
func (s *Server) finish(r *http.Request, ex *Exchange, sec secrets) {
	if ex == nil {
		return
	}
	ex.End = time.Now()
	sec.scrub(ex)
	ctx := context.WithoutCancel(r.Context()) // the client may be gone; keep the capture anyway
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.DebugContext(ctx, "exchange", "method", ex.Method, "route", ex.Route, "host", ex.Host, "path", ex.Path,
			"status", ex.Status, "dur", ex.End.Sub(ex.Start), "aborted", ex.Aborted, "err", ex.Err)
	}
	s.sink.Capture(ctx, ex)
}
