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
	echo := proxy.WSEchoServer(websocket.Upgrader{}, []byte(`{"type":"session.created"}`))
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+apiKey || r.URL.Path != "/v1/realtime" {
			http.Error(w, "upstream got a changed handshake", http.StatusBadRequest)
			return
		}
		echo(w, r)
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

// checkTalkRecorded checks that the exchange holds talk's text messages, each way;
// its binary one is not recorded.
func checkTalkRecorded(t *testing.T, ex *proxy.Exchange) {
	t.Helper()
	if got, want := string(ex.ReqBody), `{"type":"response.create"}`+"\n"; got != want {
		t.Errorf("client messages recorded = %q, want %q", got, want)
	}
	if got, want := string(ex.RespBody), `{"type":"session.created"}`+"\n"+`{"type":"response.create"}`+"\n"; got != want {
		t.Errorf("server messages recorded = %q, want %q", got, want)
	}
	if !ex.Stream || ex.Truncated {
		t.Errorf("exchange: stream %v, truncated %v; want a whole stream", ex.Stream, ex.Truncated)
	}
}

// TestWebSocketMessagesRecorded: the text messages of a session are recorded one per
// line, compressed or not, except audio chunks; the client gets every message as sent.
func TestWebSocketMessagesRecorded(t *testing.T) {
	audio := `{"type":"input_audio_buffer.append","audio":"` + strings.Repeat("UklGRg", 20_000) + `"}`
	client := []string{
		`{"type":"session.update","session":{"instructions":"Be brief."}}`,
		audio,
		"{\n  \"type\": \"response.create\"\n}", // JSON over lines: compacted
		"not json\nat all",                      // kept as a JSON string
		// Larger than one relay buffer, and than the 32 KiB window of a compressor.
		`{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"` + strings.Repeat("hello ", 30_000) + `"}]}}`,
	}
	wantClient := `{"type":"session.update","session":{"instructions":"Be brief."}}` + "\n" +
		`{"type":"response.create"}` + "\n" +
		`"not json\nat all"` + "\n" + client[4] + "\n"
	for _, compress := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "permessage-deflate"}[compress], func(t *testing.T) {
			up := startUpstream(t, proxy.WSEchoServer(websocket.Upgrader{EnableCompression: compress}, nil))
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
			dialer := &websocket.Dialer{EnableCompression: compress}
			c, resp, err := dialer.DialContext(t.Context(), "ws"+strings.TrimPrefix(px.URL, "http")+"/v1/realtime", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Sec-WebSocket-Extensions") != ""; got != compress {
				t.Fatalf("compression negotiated = %v, want %v", got, compress)
			}
			for _, m := range client {
				if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
					t.Fatal(err)
				}
				if _, got, err := c.ReadMessage(); err != nil || string(got) != m {
					t.Fatalf("echo of %d bytes: got %d bytes, %v", len(m), len(got), err)
				}
			}
			c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
			c.Close()
			ex := rec.next(t)
			if string(ex.ReqBody) != wantClient {
				t.Errorf("client messages recorded = %.300q..., want %.300q...", ex.ReqBody, wantClient)
			}
			if string(ex.RespBody) != wantClient { // the echo
				t.Errorf("server messages recorded = %.300q..., want %.300q...", ex.RespBody, wantClient)
			}
			if ex.Truncated {
				t.Error("exchange truncated")
			}
		})
	}
}

// TestWebSocketRecordingCapped: past the capture limit, whole messages are left out
// and the exchange says it was truncated; the client still gets everything.
func TestWebSocketRecordingCapped(t *testing.T) {
	up := startUpstream(t, wsEcho(t))
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL, CaptureLimit: 40})
	talk(t, websocket.DefaultDialer, "ws"+strings.TrimPrefix(px.URL, "http")+"/v1/realtime")
	ex := rec.next(t)
	if !ex.Truncated {
		t.Error("exchange not marked truncated")
	}
	if got, want := string(ex.RespBody), `{"type":"session.created"}`+"\n"; got != want {
		t.Errorf("server messages recorded = %q, want only the whole ones under the limit, %q", got, want)
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
	ex := rec.next(t)
	checkHandshake(t, ex)
	checkTalkRecorded(t, ex)
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
	ex := rec.next(t)
	checkHandshake(t, ex)
	checkTalkRecorded(t, ex)
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
