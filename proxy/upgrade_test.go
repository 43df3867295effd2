package proxy_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/llmtap/llmtap/proxy"
)

// wsEcho is a WebSocket upstream in the manner of the OpenAI Realtime API: it
// requires the API key, greets with a session event, then echoes every message.
func wsEcho(t *testing.T) http.HandlerFunc {
	up := websocket.Upgrader{}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+apiKey || r.URL.Path != "/v1/realtime" {
			http.Error(w, "upstream got a changed handshake", http.StatusBadRequest)
			return
		}
		c, err := up.Upgrade(w, r, http.Header{"X-Upstream": {"realtime"}})
		if err != nil {
			return
		}
		defer c.Close()
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"session.created"}`)); err != nil {
			return
		}
		for {
			kind, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	}
}

// talk dials url through dialer, checks the greeting and two echoes (text, then a
// binary message larger than one relay buffer), and closes.
func talk(t *testing.T, dialer *websocket.Dialer, rawURL string) *http.Response {
	t.Helper()
	c, resp, err := dialer.DialContext(t.Context(), rawURL, http.Header{"Authorization": {"Bearer " + apiKey}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", rawURL, err, status)
	}
	defer c.Close()
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != `{"type":"session.created"}` {
		t.Fatalf("greeting = %q, %v", msg, err)
	}
	big := []byte(strings.Repeat("pcm16 audio ", 10_000))
	for _, m := range []struct {
		kind int
		data []byte
	}{{websocket.TextMessage, []byte(`{"type":"response.create"}`)}, {websocket.BinaryMessage, big}} {
		if err := c.WriteMessage(m.kind, m.data); err != nil {
			t.Fatal(err)
		}
		kind, got, err := c.ReadMessage()
		if err != nil || kind != m.kind || string(got) != string(m.data) {
			t.Fatalf("echo of %d bytes: got %d bytes (kind %d), %v", len(m.data), len(got), kind, err)
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	return resp
}

// checkHandshake checks the exchange a WebSocket session leaves: the 101 with the
// key redacted.
func checkHandshake(t *testing.T, ex *proxy.Exchange) {
	t.Helper()
	if ex.Status != http.StatusSwitchingProtocols || ex.Path != "/v1/realtime" || ex.Err != "" {
		t.Errorf("exchange: status %d, path %q, err %q; want 101 on /v1/realtime", ex.Status, ex.Path, ex.Err)
	}
	if got := ex.ReqHeader.Get("Authorization"); strings.Contains(got, apiKey) {
		t.Errorf("the API key reached the capture: %q", got)
	}
	if ex.RespHeader.Get("X-Upstream") != "realtime" {
		t.Errorf("response headers not captured: %v", ex.RespHeader)
	}
}

// TestWebSocketThroughRoute: a WebSocket client pointed at the proxy's base URL
// (ws://127.0.0.1:PORT/v1/realtime) talks to the upstream through it.
func TestWebSocketThroughRoute(t *testing.T) {
	up := startUpstream(t, wsEcho(t))
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
	resp := talk(t, websocket.DefaultDialer, "ws"+strings.TrimPrefix(px.URL, "http")+"/v1/realtime?model=gpt-realtime")
	if resp.Header.Get("X-Upstream") != "realtime" {
		t.Errorf("the client did not get the upstream's handshake headers: %v", resp.Header)
	}
	checkHandshake(t, rec.next(t))
}

// TestWebSocketThroughMITM: a wss:// client using llmtap as its HTTPS proxy and
// trusting only llmtap's CA reaches a capture host's WebSocket.
func TestWebSocketThroughMITM(t *testing.T) {
	up := httptest.NewUnstartedServer(wsEcho(t))
	up.EnableHTTP2 = true // the upstream offers h2; the upgrade must still go over HTTP/1.1
	up.StartTLS()
	t.Cleanup(up.Close)
	host := strings.TrimPrefix(up.URL, "https://")
	ca := loadCA(t, t.TempDir())
	px, _, rec := startProxy(t, proxy.Config{AllowHosts: []string{host}, MITM: &proxy.MITMConfig{CA: ca},
		Transport: trustingTransport(t, up)})
	proxyURL, _ := url.Parse(px.URL)
	dialer := &websocket.Dialer{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: poolOf(ca.Certificate())}}
	talk(t, dialer, "wss://"+host+"/v1/realtime?model=gpt-realtime")
	checkHandshake(t, rec.next(t))
}

// TestUpgradeRefused: an upstream that answers the handshake with an error gives
// the client that error, as any response.
func TestUpgradeRefused(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"no realtime for you"}}`, http.StatusForbidden)
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), "ws"+strings.TrimPrefix(px.URL, "http")+"/v1/realtime", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial = %v, %+v; want the upstream's 403", err, resp)
	}
	if ex := rec.next(t); ex.Status != http.StatusForbidden || !strings.Contains(string(ex.RespBody), "no realtime") {
		t.Errorf("exchange: status %d, body %q", ex.Status, ex.RespBody)
	}
}

// TestShutdownEndsWebSocketSessions: net/http forgets hijacked connections, so
// Shutdown itself must end an open session and wait until its handshake is captured
// (the app closes the store right after); a session asked for afterwards is refused.
func TestShutdownEndsWebSocketSessions(t *testing.T) {
	up := startUpstream(t, wsEcho(t))
	px, s, rec := startProxy(t, proxy.Config{Target: up.URL})
	wsURL := "ws" + strings.TrimPrefix(px.URL, "http") + "/v1/realtime"
	c, _, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, http.Header{"Authorization": {"Bearer " + apiKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	select {
	case ex := <-rec.ch:
		checkHandshake(t, ex)
	default:
		t.Fatal("Shutdown returned before the open session's exchange reached the sink")
	}
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	if _, _, err := c.ReadMessage(); err == nil {
		t.Error("the client's session is still open after Shutdown")
	}
	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, http.Header{"Authorization": {"Bearer " + apiKey}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a session after Shutdown: %v, %+v; want 503", err, resp)
	}
}
