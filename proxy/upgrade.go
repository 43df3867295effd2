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
// (status 101, headers); the frames that follow are not parsed or stored. Shutdown
// ends the session by closing both connections, which sess holds for it.
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

	done := make(chan struct{}, 2)
	go func() { copyClose(up, brw.Reader); done <- struct{}{} }() // bytes the client sent early come first
	go func() { copyClose(conn, up); done <- struct{}{} }()
	<-done
	// One side closed: close both, so the other copy ends too.
	conn.Close()
	up.Close()
	<-done
}

// copyClose copies src to dst, each read written at once, until either fails.
func copyClose(dst io.Writer, src io.Reader) {
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	_, _ = io.CopyBuffer(dst, src, *bufp)
}
