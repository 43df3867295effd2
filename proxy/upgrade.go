package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// upgradeType returns the protocol r asks to switch to ("websocket" for the OpenAI
// Realtime API and its kin), or "" for an ordinary request.
func upgradeType(h http.Header) string {
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(tok), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

// switchProtocols finishes an upgraded exchange: the upstream said 101, so the
// client's connection is taken over from net/http, the 101 is passed on, and bytes
// are copied both ways until either side closes. The exchange records the handshake
// (status 101, headers) and, for a WebSocket, the text messages each way (wsLog).
// Shutdown ends the session by closing both connections, which sess holds for it.
func (s *Server) switchProtocols(w http.ResponseWriter, r *http.Request, resp *http.Response, ex *Exchange, sess *session) {
	failed := func(msg string) {
		writeError(w, http.StatusBadGateway, "proxy_error", "upgrade_failed", msg)
		if ex != nil {
			ex.Status, ex.Err = http.StatusBadGateway, msg
		}
	}
	up, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		// net/http gives a writable body for every 101 to an upgrade request.
		failed("llmtap got a 101 without a connection to switch")
		return
	}
	defer up.Close()
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// An HTTP/2 client cannot switch protocols on its stream.
		failed(fmt.Sprintf("llmtap cannot switch this connection to %s: %v", resp.Header.Get("Upgrade"), err))
		return
	}
	defer conn.Close()
	sess.attach(conn, up)
	// The server's header and idle deadlines do not apply to a long-lived session.
	_ = conn.SetDeadline(time.Time{})

	if ex != nil {
		ex.Status = resp.StatusCode
		ex.RespHeader = resp.Header.Clone()
		redactHeader(ex.RespHeader, new(secrets))
		ex.FirstByte = time.Now()
	}
	// Connection and Upgrade are hop-by-hop but are the handshake itself: passed on.
	fmt.Fprintf(brw, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	err = resp.Header.Write(brw)
	if err == nil {
		_, err = brw.WriteString("\r\n")
	}
	if err == nil {
		err = brw.Flush()
	}
	if err != nil { // the client went away during the handshake
		if ex != nil {
			ex.Aborted = true
		}
		return
	}

	var client, server *wsLog // nil when capture is off
	if ex != nil && strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		client, server = wsLogs(resp.Header.Values("Sec-WebSocket-Extensions"), s.captureLimit)
	}
	done := make(chan struct{}, 2)
	go func() { copyTap(up, brw.Reader, client); done <- struct{}{} }() // bytes the client sent early come first
	go func() { copyTap(conn, up, server); done <- struct{}{} }()
	<-done
	// One side closed: close both, so the other copy ends too.
	conn.Close()
	up.Close()
	<-done
	if client != nil {
		s.recordSession(ex, client, server)
	}
}

// recordSession puts what the logs of a finished WebSocket session hold into ex: the
// client's messages as the request body, the server's as the response body.
func (s *Server) recordSession(ex *Exchange, client, server *wsLog) {
	ex.Stream = true
	ex.ReqBody, ex.RespBody = client.buf, server.buf
	ex.Truncated = ex.Truncated || client.truncated || server.truncated
	for _, l := range []*wsLog{client, server} {
		l.r.Close() // ends the inflating of a message the session cut off
		if l.err != nil {
			// The relay went on untouched; only the recording stops at the error.
			ex.Truncated = true
			s.log.Warn("WebSocket messages not recorded past an unreadable frame", "host", ex.Host, "path", ex.Path, "err", l.err)
		}
	}
}
