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
	body, err := s.readBodyInTime(w, r)
	if err != nil {
		s.bodyError(w, r, ex, sec, err)
		return
	}
	s.send(w, r, up, ex, sec, body, s.transport, false)
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
	out, err := http.NewRequestWithContext(r.Context(), r.Method, up.String(), bytes.NewReader(body))
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
		ex.ReqBody = capped(body, s.captureLimit, ex)
	}
	setTransportDefaults(out.Header)

	resp, err := rt.RoundTrip(out)
	if err != nil {
		s.unreachable(w, r, up, ex, sec, err)
		return
	}
	defer resp.Body.Close()
	if routed {
		gatewayRouted(ex, resp, &sec)
	}

	if upgrade != "" && resp.StatusCode == http.StatusSwitchingProtocols {
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
	if s.bodyTimeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return s.readBody(w, r)
	}
	rc := http.NewResponseController(w)
	// ErrNotSupported (a ResponseWriter that is no connection) leaves the body untimed.
	_ = rc.SetReadDeadline(time.Now().Add(s.bodyTimeout))
	body, err := s.readBody(w, r)
	_ = rc.SetReadDeadline(time.Time{})
	return body, err
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
	ex.RespBody = t.buf
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
