package proxy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

// shortBodyTimeout is the body timeout of these tests. Nothing waits for it by the
// clock: each test waits for the 408 it causes.
const shortBodyTimeout = 100 * time.Millisecond

// sendSlowBody opens a connection to addr and sends a request announcing announced
// body bytes but only the first sent of them, then leaves it hanging.
func sendSlowBody(t *testing.T, addr string, announced, sent int) *bufio.Reader {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", addr, announced, strings.Repeat("x", sent))
	return bufio.NewReader(c)
}

// readTimeoutAnswer reads the 408 llmtap answers a slow body with.
func readTimeoutAnswer(t *testing.T, br *bufio.Reader) {
	t.Helper()
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("read answer to a slow body: %v", err)
			close(got)
			return
		}
		got <- resp
	}()
	resp := recv(t, got, "the answer to a slow body")
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Message, Type, Code string } `json:"error"`
	}
	err := json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusRequestTimeout || err != nil || e.Error.Code != "request_timeout" || !resp.Close {
		t.Errorf("answer to a slow body = %d %+v (decode err %v, close %v), want 408 request_timeout closing the connection",
			resp.StatusCode, e, err, resp.Close)
	}
}

func TestBodyTimeout(t *testing.T) {
	tests := []struct {
		name            string
		announced, sent int
	}{
		{"trickled_body", 100, 10},
		{"announced_33mb_sent_nothing", 33_000_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("upstream got %s %s; a body that timed out must not be forwarded", r.Method, r.URL)
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL, BodyTimeout: shortBodyTimeout})
			readTimeoutAnswer(t, sendSlowBody(t, strings.TrimPrefix(px.URL, "http://"), tt.announced, tt.sent))
			ex := rec.next(t)
			if !strings.Contains(ex.Err, "whole request body within 100ms") || ex.Status != 0 || ex.Aborted {
				t.Errorf("exchange err %q status %d aborted %v, want the timeout as reason, status 0, not aborted", ex.Err, ex.Status, ex.Aborted)
			}
		})
	}
}

// TestBodyTimeoutSparesStreams checks that a stream outliving the body timeout is not
// cut: a second request's body times out while the stream waits, which proves the
// first request's deadline has passed too, and only then does the stream go on.
func TestBodyTimeoutSparesStreams(t *testing.T) {
	release := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseOne)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, sseRest)
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL, BodyTimeout: shortBodyTimeout})

	req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(chatBody))
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatalf("POST through proxy: %v", err)
	}
	defer resp.Body.Close()
	if got := readChunk(t, resp.Body, len(sseOne)); string(got) != sseOne {
		t.Fatalf("first event = %q, want %q", got, sseOne)
	}

	readTimeoutAnswer(t, sendSlowBody(t, strings.TrimPrefix(px.URL, "http://"), 100, 1))
	if ex := rec.next(t); !strings.Contains(ex.Err, "within") {
		t.Fatalf("first exchange err %q, want the slow body's timeout", ex.Err)
	}

	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != sseRest {
		t.Fatalf("rest of the stream = %q, %v; want %q", rest, err, sseRest)
	}
	ex := rec.next(t)
	if ex.Aborted || ex.Err != "" || string(ex.RespBody) != sseOne+sseRest {
		t.Errorf("stream exchange aborted %v err %q body %q, want whole", ex.Aborted, ex.Err, ex.RespBody)
	}
}

// TestMITMBodyTimeout checks that decrypted requests, over HTTP/1.1 and HTTP/2 (where
// the deadline is the stream's, not the connection's), get the same 408.
func TestMITMBodyTimeout(t *testing.T) {
	up := httptestTLS(t)
	upHost := strings.TrimPrefix(up.URL, "https://")
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "http2"}[h2], func(t *testing.T) {
			ca := loadCA(t, t.TempDir())
			px, _, rec := startProxy(t, proxy.Config{
				MITM: &proxy.MITMConfig{CA: ca}, AllowHosts: []string{upHost},
				Transport: trustingTransport(t, up), BodyTimeout: shortBodyTimeout,
			})
			proxyURL, _ := url.Parse(px.URL)
			c := proxyClient(t, proxyURL, poolOf(ca.Certificate()), h2)
			body, stall := io.Pipe() // a body that starts and never ends
			t.Cleanup(func() { stall.Close() })
			go stall.Write([]byte(`{"model":`))
			req, _ := http.NewRequest(http.MethodPost, up.URL+"/v1/chat/completions", body)
			req.ContentLength = 100
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("POST with a stalled body: %v", err)
			}
			resp.Body.Close()
			if h2 != (resp.ProtoMajor == 2) {
				t.Errorf("client spoke %s, want HTTP/2 %v", resp.Proto, h2)
			}
			if resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get("X-Llmtap-Error") != "request_timeout" {
				t.Errorf("stalled body answered %d %q, want 408 request_timeout", resp.StatusCode, resp.Header.Get("X-Llmtap-Error"))
			}
			if ex := rec.next(t); !strings.Contains(ex.Err, "within") || ex.Route != "mitm:"+upHost {
				t.Errorf("exchange route %q err %q, want mitm:%s and the timeout", ex.Route, ex.Err, upHost)
			}
		})
	}
}
