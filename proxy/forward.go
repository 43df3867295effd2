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
	var (
		ex  *Exchange
		sec secrets
	)
	if s.Capturing() {
		ex = &Exchange{
			Method: r.Method,
			URL:    redactURL(up, &sec),
			Route:  route,
			Host:   up.Host,
			Path:   up.Path,
			Start:  time.Now(),
		}
	}

	body, err := s.readBody(w, r)
	if err != nil {
		s.bodyError(w, r, ex, sec, err)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, up.String(), bytes.NewReader(body))
	if err != nil {
		// Method and URL were valid on the way in; a failure here is a bug.
		s.log.Error("build upstream request", "method", r.Method, "err", err)
		writeError(w, http.StatusInternalServerError, "proxy_error", "internal_error", "llmtap could not build the upstream request")
		return
	}
	out.Header = outboundHeader(r.Header)
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

	resp, err := s.transport.RoundTrip(out)
	if err != nil {
		s.unreachable(w, r, up, ex, sec, err)
		return
	}
	defer resp.Body.Close()

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
	abort := s.relay(w, r, resp, ex)
	s.finish(r, ex, sec)
	if abort {
		// The status line is out: only a cut connection tells the client that the
		// body is incomplete (net/http does the same in ReverseProxy).
		panic(http.ErrAbortHandler)
	}
}

// readBody reads the whole request body, up to s.maxBody. Reading it first also
// keeps net/http from closing it when reply headers go out (golang/go#40747).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.maxBody {
		return nil, &http.MaxBytesError{Limit: s.maxBody}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1) // +1 so ReadFrom sees EOF without growing
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, s.maxBody))
	return buf.Bytes(), err
}

// bodyError answers a request whose body could not be read: too large (413) or cut
// off by the client.
func (s *Server) bodyError(w http.ResponseWriter, r *http.Request, ex *Exchange, sec secrets, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		msg := fmt.Sprintf("request body is larger than llmtap's limit of %d bytes", s.maxBody)
		s.log.Warn("request too large", "method", r.Method, "path", r.URL.Path, "limit", s.maxBody)
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large", msg)
		if ex != nil {
			ex.Err = msg
		}
	} else {
		s.log.Debug("read request body", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadRequest, "invalid_request_error", "bad_request_body", "llmtap could not read the request body")
		if ex != nil {
			ex.Aborted = true
			ex.Err = "read request body: " + err.Error()
		}
	}
	s.finish(r, ex, sec)
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
	// Written even when the client is gone: harmless, and never a default 200.
	writeError(w, http.StatusBadGateway, "proxy_error", "upstream_unreachable", msg)
	if ex != nil {
		ex.Aborted = aborted
		if !aborted {
			ex.Err = msg
		}
	}
	s.finish(r, ex, sec)
}

// relay copies the upstream response to the client, teeing it into ex. It reports
// whether the handler must abort the client connection (upstream failed mid-body).
func (s *Server) relay(w http.ResponseWriter, r *http.Request, resp *http.Response, ex *Exchange) (abort bool) {
	removeHopByHop(resp.Header)
	dst := w.Header()
	for k, v := range resp.Header {
		dst[k] = v
	}
	stream := isStream(resp)
	var t tee
	if ex != nil {
		ex.Status = resp.StatusCode
		ex.Stream = stream
		ex.RespHeader = resp.Header.Clone()
		redactHeader(ex.RespHeader, new(secrets))
		t.limit = s.captureLimit
		if resp.ContentLength > 0 {
			t.buf = make([]byte, 0, min(resp.ContentLength, s.captureLimit))
		}
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
			// The client gets each chunk before the tee copies it.
			if _, clientErr = w.Write(buf[:n]); clientErr != nil {
				break
			}
			if flush {
				if clientErr = rc.Flush(); clientErr != nil {
					break
				}
			}
			if ex != nil {
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
		return upErr != nil && r.Context().Err() == nil && clientErr == nil
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
	case upErr != nil:
		ex.Err = "upstream response cut off: " + upErr.Error()
		s.log.Warn("upstream response cut off", "host", ex.Host, "err", upErr)
		return true
	}
	return false
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

// capped returns b cut to limit bytes, marking ex truncated when it was longer. The
// result shares memory with b.
func capped(b []byte, limit int64, ex *Exchange) []byte {
	if int64(len(b)) > limit {
		ex.Truncated = true
		return b[:limit:limit]
	}
	return b
}

// tee keeps the first limit bytes written to it.
type tee struct {
	buf       []byte
	limit     int64
	truncated bool
}

func (t *tee) write(p []byte) {
	room := t.limit - int64(len(t.buf))
	if int64(len(p)) > room {
		p = p[:max(room, 0)]
		t.truncated = true
	}
	t.buf = append(t.buf, p...)
}
