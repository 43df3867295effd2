package proxy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

type errorBody struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code"`
	} `json:"error"`
}

func TestProxyErrors(t *testing.T) {
	ok := startUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	untouched := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("upstream got %s %s, want nothing forwarded", r.Method, r.URL)
	})
	down := startUpstream(t, func(http.ResponseWriter, *http.Request) {})
	down.Close()
	downHost := strings.TrimPrefix(down.URL, "http://")

	tests := []struct {
		name         string
		target       string
		method       string
		path         string
		body         io.Reader
		wantStatus   int
		wantCode     string
		wantInMsg    []string
		wantExchange bool
	}{
		{"unknown_route", "", http.MethodPost, "/v1/chat/completions", strings.NewReader("{}"), http.StatusNotFound, "unknown_route",
			[]string{"/api.openai.com/v1/chat/completions", "--route NAME=URL", "--target"}, false},
		{"upstream_down", down.URL, http.MethodPost, "/v1/chat/completions", strings.NewReader("{}"), http.StatusBadGateway, "upstream_unreachable",
			[]string{downHost}, true},
		{"too_large_content_length", untouched.URL, http.MethodPost, "/v1/chat/completions", bytes.NewReader(make([]byte, 2048)),
			http.StatusRequestEntityTooLarge, "request_too_large", []string{"1024 bytes"}, true},
		{"too_large_chunked", untouched.URL, http.MethodPost, "/v1/chat/completions", struct{ io.Reader }{bytes.NewReader(make([]byte, 2048))},
			http.StatusRequestEntityTooLarge, "request_too_large", []string{"1024 bytes"}, true},
		{"proxy_form", untouched.URL, http.MethodConnect, "", nil, http.StatusNotImplemented, "proxy_form_unsupported", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, _, rec := startProxy(t, proxy.Config{
				Target:  tt.target,
				Routes:  map[string]string{"sentinel": ok.URL},
				MaxBody: 1024,
			})
			c := newClient(t)
			req, _ := http.NewRequest(tt.method, px.URL+tt.path, tt.body)
			resp, body := do(t, c, req)
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if resp.StatusCode != tt.wantStatus || eb.Error.Code != tt.wantCode || eb.Error.Type == "" {
				t.Errorf("got %d code %q type %q, want %d code %q", resp.StatusCode, eb.Error.Code, eb.Error.Type, tt.wantStatus, tt.wantCode)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(eb.Error.Message, s) {
					t.Errorf("error message %q does not mention %q", eb.Error.Message, s)
				}
			}

			if !tt.wantExchange {
				// The next exchange must be the sentinel's: this request emitted none.
				req, _ := http.NewRequest(http.MethodGet, px.URL+"/sentinel/x", nil)
				do(t, c, req)
				if ex := rec.next(t); ex.Route != "route:sentinel" {
					t.Errorf("sink got an exchange for route %q, want none before the sentinel", ex.Route)
				}
				return
			}
			ex := rec.next(t)
			if ex.Err != eb.Error.Message || ex.Status != 0 || ex.Aborted {
				t.Errorf("exchange err %q status %d aborted %v, want err %q status 0 not aborted", ex.Err, ex.Status, ex.Aborted, eb.Error.Message)
			}
		})
	}
}

func TestProxyHealthz(t *testing.T) {
	px, _, _ := startProxy(t, proxy.Config{})
	req, _ := http.NewRequest(http.MethodGet, px.URL+"/healthz", nil)
	resp, body := do(t, newClient(t), req)
	if resp.StatusCode != http.StatusOK || string(body) != `{"ok":true}` {
		t.Errorf("GET /healthz = %d %q, want 200 {\"ok\":true}", resp.StatusCode, body)
	}
}

func TestProxyHopByHop(t *testing.T) {
	gotHeader := make(chan http.Header, 1)
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		gotHeader <- r.Header.Clone()
		h := w.Header()
		h.Set("Connection", "X-Resp-Hop")
		h.Set("X-Resp-Hop", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Authenticate", "Basic")
		h.Set("X-Resp-End", "1")
		io.WriteString(w, "ok")
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

	req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader("{}"))
	for k, v := range map[string]string{
		"Connection": "X-Hop", "X-Hop": "1", "Keep-Alive": "timeout=5", "Proxy-Authorization": "Basic dXNlcjpwYXNz",
		"Te": "trailers", "Upgrade": "websocket", "Expect": "100-continue",
		"Authorization": "Bearer sk-1", "Anthropic-Version": "2023-06-01", "X-End": "1",
	} {
		req.Header.Set(k, v)
	}
	resp, _ := do(t, newClient(t), req)

	h := <-gotHeader
	for _, k := range []string{"Connection", "X-Hop", "Keep-Alive", "Proxy-Authorization", "Te", "Upgrade", "Expect"} {
		if v, ok := h[k]; ok {
			t.Errorf("upstream got %s: %q, want it dropped", k, v)
		}
	}
	for k, want := range map[string]string{"Authorization": "Bearer sk-1", "Anthropic-Version": "2023-06-01", "X-End": "1"} {
		if got := h.Get(k); got != want {
			t.Errorf("upstream got %s: %q, want %q", k, got, want)
		}
	}
	ex := rec.next(t)
	for _, rh := range []http.Header{resp.Header, ex.RespHeader} {
		for _, k := range []string{"X-Resp-Hop", "Keep-Alive", "Proxy-Authenticate"} {
			if v, ok := rh[k]; ok {
				t.Errorf("response header %s: %q reached the client or capture, want it dropped", k, v)
			}
		}
		if rh.Get("X-Resp-End") != "1" {
			t.Errorf("response header X-Resp-End = %q, want 1", rh.Get("X-Resp-End"))
		}
	}
}

func TestProxyCaptureOff(t *testing.T) {
	hits := make(chan string, 2)
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		io.WriteString(w, "ok")
	})
	px, s, rec := startProxy(t, proxy.Config{Target: up.URL})
	c := newClient(t)

	s.SetCapture(false)
	if s.Capturing() {
		t.Fatal("Capturing() = true after SetCapture(false), want false")
	}
	req, _ := http.NewRequest(http.MethodGet, px.URL+"/off", nil)
	if resp, body := do(t, c, req); resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("with capture off client got %d %q, want 200 ok", resp.StatusCode, body)
	}
	if p := <-hits; p != "/off" {
		t.Fatalf("upstream got %q, want /off", p)
	}

	s.SetCapture(true)
	req, _ = http.NewRequest(http.MethodGet, px.URL+"/on", nil)
	do(t, c, req)
	if ex := rec.next(t); ex.Path != "/on" {
		t.Errorf("first exchange is for %q, want /on (none while capture was off)", ex.Path)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     proxy.Config
		wantErr string
	}{
		{"target_scheme", proxy.Config{Target: "ftp://x"}, `"ftp://x"`},
		{"target_no_host", proxy.Config{Target: "http://"}, `"http://"`},
		{"target_query", proxy.Config{Target: "http://x/?key=1"}, "query"},
		{"route_bad_url", proxy.Config{Routes: map[string]string{"local": "127.0.0.1:5000"}}, `route "local"`},
		{"route_bad_name", proxy.Config{Routes: map[string]string{"a/b": "http://x"}}, `route "a/b"`},
		{"route_is_host", proxy.Config{Routes: map[string]string{"api.openai.com": "http://x"}}, `route "api.openai.com"`},
		{"allow_host_path", proxy.Config{AllowHosts: []string{"http://x/v1"}}, `"http://x/v1"`},
		{"allow_host_bad", proxy.Config{AllowHosts: []string{"x/y"}}, `"x/y"`},
		{"negative_max_body", proxy.Config{MaxBody: -1}, "max body -1"},
		{"allow_origin_no_scheme", proxy.Config{AllowOrigins: []string{"chat.example.com"}}, `"chat.example.com"`},
		{"allow_origin_path", proxy.Config{AllowOrigins: []string{"https://chat.example.com/app"}}, `"https://chat.example.com/app"`},
		{"allow_origin_empty_port", proxy.Config{AllowOrigins: []string{"http://x:"}}, `"http://x:"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proxy.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%+v) = %v, want an error mentioning %s", tt.cfg, err, tt.wantErr)
			}
		})
	}
}

func TestListenAddrInUse(t *testing.T) {
	ln, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen(127.0.0.1:0) = %v", err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	ln2, err := proxy.Listen(addr)
	if err == nil {
		ln2.Close()
		t.Fatalf("Listen(%s) while in use = nil error, want ErrAddrInUse", addr)
	}
	if !errors.Is(err, proxy.ErrAddrInUse) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "--listen") {
		t.Errorf("Listen(%s) = %v, want ErrAddrInUse naming the address and --listen", addr, err)
	}
}
