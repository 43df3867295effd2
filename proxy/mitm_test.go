package proxy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

const (
	chatBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`
	apiKey   = "sk-test-0123456789abcdefghijWXYZ"
	sseOne   = "data: {\"choices\":[{\"delta\":{\"content\":\"hel\"}}]}\n\n"
	sseRest  = "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\ndata: [DONE]\n\n"
)

// mitmEnv is a proxy in MITM mode with a TLS upstream it captures.
type mitmEnv struct {
	proxyURL *url.URL
	ca       *proxy.CA
	rec      *recorder
	srv      *proxy.Server
	up       *httptest.Server
	upHost   string   // 127.0.0.1:PORT
	release  chan int // the streaming upstream sends the rest of its events on a receive
}

// startMITM serves a capture-host upstream (made a capture host by allow or extra
// hosts) and a proxy in MITM mode whose upstream transport trusts test servers.
func startMITM(t *testing.T, viaExtra bool) *mitmEnv {
	t.Helper()
	return startMITMWith(t, func(cfg *proxy.Config) {
		if viaExtra {
			cfg.MITM.ExtraHosts, cfg.AllowHosts = cfg.AllowHosts, nil
		}
	})
}

// startMITMWith is startMITM with the upstream made a capture host by the allow
// list, and cfg changed by mod before the proxy starts.
func startMITMWith(t *testing.T, mod func(cfg *proxy.Config)) *mitmEnv {
	t.Helper()
	env := &mitmEnv{release: make(chan int)}
	env.up = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != chatBody || r.Header.Get("Authorization") != "Bearer "+apiKey ||
			r.Header.Get("X-Llmtap-Token") != "" || r.Header.Get("Proxy-Authorization") != "" {
			http.Error(w, "upstream got a changed request", http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("stream") != "true" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"tls":`+boolString(r.TLS != nil)+`}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseOne)
		http.NewResponseController(w).Flush()
		select {
		case <-env.release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, sseRest)
	}))
	env.up.EnableHTTP2 = true
	env.up.StartTLS()
	t.Cleanup(env.up.Close)
	env.upHost = strings.TrimPrefix(env.up.URL, "https://")

	env.ca = loadCA(t, t.TempDir())
	// The tunnels these tests open go to loopback test servers, which proxy mode
	// refuses by default.
	mc := &proxy.MITMConfig{CA: env.ca, AllowDestinations: []string{"127.0.0.1"}}
	cfg := proxy.Config{MITM: mc, Transport: trustingTransport(t, env.up), AllowHosts: []string{env.upHost}}
	mod(&cfg)
	px, s, rec := startProxy(t, cfg)
	t.Cleanup(func() {
		// t.Context() is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	})
	env.rec, env.srv = rec, s
	env.proxyURL, _ = url.Parse(px.URL)
	return env
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// trustingTransport is an upstream transport that trusts the test servers' certificate.
func trustingTransport(t *testing.T, srv *httptest.Server) *http.Transport {
	t.Helper()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	tr.DisableCompression = true
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// proxyClient returns a client that uses proxyURL and trusts only roots.
func proxyClient(t *testing.T, proxyURL *url.URL, roots *x509.CertPool, h2 bool) *http.Client {
	t.Helper()
	tr := &http.Transport{
		Proxy:              http.ProxyURL(proxyURL),
		TLSClientConfig:    &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2:  h2,
		DisableCompression: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func chatRequest(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(chatBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestMITMCapture(t *testing.T) {
	tests := []struct {
		name     string
		viaExtra bool
		h2       bool
		stream   bool
	}{
		{"http1_json", false, false, false},
		{"http1_sse", false, false, true},
		{"http2_json", false, true, false},
		{"http2_sse", false, true, true},
		{"extra_host_json", true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startMITM(t, tt.viaExtra)
			c := proxyClient(t, env.proxyURL, poolOf(env.ca.Certificate()), tt.h2)
			target := "https://" + env.upHost + "/v1/chat/completions?stream=" + boolString(tt.stream) + "&key=" + apiKey
			resp, err := c.Do(chatRequest(t, target))
			if err != nil {
				t.Fatalf("POST %s through the proxy: %v", target, err)
			}
			defer resp.Body.Close()
			if wantMajor := map[bool]int{false: 1, true: 2}[tt.h2]; resp.ProtoMajor != wantMajor {
				t.Errorf("client spoke HTTP/%d to the proxy, want HTTP/%d", resp.ProtoMajor, wantMajor)
			}
			want := `{"tls":true}`
			if tt.stream {
				// The first event must arrive while the upstream still holds the rest.
				if got := readChunk(t, resp.Body, len(sseOne)); string(got) != sseOne {
					t.Fatalf("first chunk = %q, want %q", got, sseOne)
				}
				env.release <- 1
				want = sseRest
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
				t.Fatalf("client got %d %q (err %v), want 200 %q", resp.StatusCode, body, err, want)
			}

			ex := env.rec.next(t)
			wantResp := `{"tls":true}`
			if tt.stream {
				wantResp = sseOne + sseRest
			}
			if ex.Route != "mitm:"+env.upHost || ex.Host != env.upHost || ex.Path != "/v1/chat/completions" || ex.Status != http.StatusOK {
				t.Errorf("exchange route %q host %q path %q status %d, want mitm:%s %s /v1/chat/completions 200",
					ex.Route, ex.Host, ex.Path, ex.Status, env.upHost, env.upHost)
			}
			if string(ex.ReqBody) != chatBody || string(ex.RespBody) != wantResp || ex.Stream != tt.stream {
				t.Errorf("exchange bodies %q → %q stream %v, want %q → %q stream %v",
					ex.ReqBody, ex.RespBody, ex.Stream, chatBody, wantResp, tt.stream)
			}
			if auth := ex.ReqHeader.Get("Authorization"); strings.Contains(auth, apiKey) || !strings.HasPrefix(auth, "Bearer [redacted") {
				t.Errorf("captured Authorization = %q, want it redacted", auth)
			}
			if strings.Contains(ex.URL, apiKey) {
				t.Errorf("captured URL %q holds the key, want it redacted", ex.URL)
			}
			checkTimes(t, ex)
			select {
			case extra := <-env.rec.ch:
				t.Errorf("sink got a second exchange %s %s, want exactly one", extra.Method, extra.URL)
			default:
			}
		})
	}
}

func TestMITMShutdownCutsStreamButCaptures(t *testing.T) {
	env := startMITM(t, false)
	c := proxyClient(t, env.proxyURL, poolOf(env.ca.Certificate()), false)
	resp, err := c.Do(chatRequest(t, "https://"+env.upHost+"/v1/chat/completions?stream=true"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	readChunk(t, resp.Body, len(sseOne))

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace period: the open stream is cut at once
	if err := env.srv.Shutdown(ctx); err == nil {
		t.Error("Shutdown(canceled ctx) with a stream open = nil, want the context error")
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("client read the cut stream to a clean end, want an error")
	}
	ex := env.rec.next(t)
	if !ex.Aborted || string(ex.RespBody) != sseOne {
		t.Errorf("exchange Aborted=%v RespBody=%q, want the cut stream kept as aborted with %q", ex.Aborted, ex.RespBody, sseOne)
	}
}

func TestMITMTunnelsOtherHosts(t *testing.T) {
	other := httptestTLS(t) // not on any list
	otherURL := other.URL + "/v1/chat/completions"
	tests := []struct {
		name    string
		roots   func(env *mitmEnv) *x509.CertPool
		wantErr bool
	}{
		// The client sees the server's own certificate, untouched.
		{"trusting_the_server_works", func(*mitmEnv) *x509.CertPool { return poolOf(other.Certificate()) }, false},
		{"trusting_only_llmtap_fails", func(env *mitmEnv) *x509.CertPool { return poolOf(env.ca.Certificate()) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startMITM(t, false)
			c := proxyClient(t, env.proxyURL, tt.roots(env), false)
			resp, err := c.Do(chatRequest(t, otherURL))
			if tt.wantErr {
				var unknown x509.UnknownAuthorityError
				if !errors.As(err, &unknown) {
					t.Fatalf("POST %s = %v, want an unknown authority error", otherURL, err)
				}
			} else {
				if err != nil {
					t.Fatalf("POST %s through the tunnel: %v", otherURL, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != `{"tls":true}` {
					t.Fatalf("tunnelled reply = %q, want {\"tls\":true}", body)
				}
			}
			// A captured request after it must be the sink's first exchange.
			capture := proxyClient(t, env.proxyURL, poolOf(env.ca.Certificate()), false)
			resp, body := do(t, capture, chatRequest(t, "https://"+env.upHost+"/v1/chat/completions"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("captured request got %d %q", resp.StatusCode, body)
			}
			if ex := env.rec.next(t); ex.Host != env.upHost {
				t.Errorf("sink got an exchange for %s, want only the captured host %s", ex.Host, env.upHost)
			}
		})
	}
}

func TestMITMAbsoluteForm(t *testing.T) {
	plain := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"plain":true}`)
	})
	other := startUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") })
	plainHost := strings.TrimPrefix(plain.URL, "http://")
	ca := loadCA(t, t.TempDir())
	px, _, rec := startProxy(t, proxy.Config{AllowHosts: []string{plain.URL}, MITM: &proxy.MITMConfig{CA: ca, AllowDestinations: []string{"127.0.0.1"}}})
	proxyURL, _ := url.Parse(px.URL)
	c := proxyClient(t, proxyURL, nil, false)

	// A host llmtap does not capture is forwarded and not recorded.
	resp, body := do(t, c, chatRequest(t, other.URL+"/x"))
	if resp.StatusCode != http.StatusOK || string(body) != "other" {
		t.Fatalf("uncaptured absolute-form request got %d %q, want 200 other", resp.StatusCode, body)
	}
	resp, body = do(t, c, chatRequest(t, plain.URL+"/v1/chat/completions?key="+apiKey))
	if resp.StatusCode != http.StatusOK || string(body) != `{"plain":true}` {
		t.Fatalf("captured absolute-form request got %d %q, want 200", resp.StatusCode, body)
	}
	ex := rec.next(t)
	if ex.Route != "proxy:"+plainHost || ex.Host != plainHost || string(ex.ReqBody) != chatBody || string(ex.RespBody) != `{"plain":true}` {
		t.Errorf("exchange %s %s req %q resp %q, want proxy:%s with the bodies", ex.Route, ex.Host, ex.ReqBody, ex.RespBody, plainHost)
	}
	if strings.Contains(ex.URL, apiKey) || strings.Contains(ex.ReqHeader.Get("Authorization"), apiKey) {
		t.Errorf("captured URL %q / Authorization %q hold the key, want it redacted", ex.URL, ex.ReqHeader.Get("Authorization"))
	}
}

func TestProxyFormWithoutMITM(t *testing.T) {
	px, _, _ := startProxy(t, proxy.Config{})
	proxyURL, _ := url.Parse(px.URL)
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantBody   string
	}{
		{"connect_refused", http.MethodConnect, "api.openai.com:443", http.StatusNotImplemented, "--mitm"},
		{"absolute_form_refused", http.MethodGet, "http://api.openai.com/v1/models", http.StatusNotImplemented, "--mitm"},
		// A system proxy pointing at llmtap makes clients send its own URLs in absolute form.
		{"absolute_form_to_self", http.MethodGet, px.URL + "/healthz", http.StatusOK, `{"ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawProxyRequest(t, proxyURL.Host, tt.method, tt.target)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.target, status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// rawProxyRequest sends one request with target as its request-target to the proxy
// at addr and returns the status and body.
func rawProxyRequest(t *testing.T, addr, method, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	host := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		host = u.Host
	}
	io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
	req := &http.Request{Method: method}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("read reply to %s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
