package proxy_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

func TestProxyNonStream(t *testing.T) {
	chatReq := []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)
	chatResp := []byte(`{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]}`)
	big := bytes.Repeat([]byte(`{"pad":"0123456789abcdef"},`), 80000) // ~2 MB
	tests := []struct {
		name          string
		reqBody       []byte
		respBody      []byte
		captureLimit  int64
		wantTruncated bool
	}{
		{"chat_json", chatReq, chatResp, 0, false},
		{"two_mb_reply", chatReq, big, 0, false},
		{"two_mb_request", big, chatResp, 0, false},
		{"capture_truncated", chatReq, chatResp, 16, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var upHost string
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				got, _ := io.ReadAll(r.Body)
				if !bytes.Equal(got, tt.reqBody) {
					t.Errorf("upstream got body of %d bytes, want %d", len(got), len(tt.reqBody))
				}
				if r.Host != upHost || r.URL.RawQuery != "stream=false" || r.Method != http.MethodPost {
					t.Errorf("upstream got %s host %q query %q, want POST %q stream=false", r.Method, r.Host, r.URL.RawQuery, upHost)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(len(tt.respBody)))
				w.Write(tt.respBody)
			})
			upHost = strings.TrimPrefix(up.URL, "http://")
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL, CaptureLimit: tt.captureLimit})

			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions?stream=false", bytes.NewReader(tt.reqBody))
			req.Header.Set("Content-Type", "application/json")
			resp, body := do(t, newClient(t), req)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tt.respBody) {
				t.Fatalf("client got %d with %d bytes, want 200 with %d", resp.StatusCode, len(body), len(tt.respBody))
			}

			ex := rec.next(t)
			if ex.Method != http.MethodPost || ex.Route != "target" || ex.Host != upHost || ex.Path != "/v1/chat/completions" {
				t.Errorf("exchange %s %s %s %s, want POST target %s /v1/chat/completions", ex.Method, ex.Route, ex.Host, ex.Path, upHost)
			}
			if want := up.URL + "/v1/chat/completions?stream=false"; ex.URL != want {
				t.Errorf("exchange URL = %q, want %q", ex.URL, want)
			}
			if ex.Status != http.StatusOK || ex.Stream || ex.Aborted || ex.Err != "" || ex.Truncated != tt.wantTruncated {
				t.Errorf("exchange status %d stream %v aborted %v err %q truncated %v, want 200 false false \"\" %v",
					ex.Status, ex.Stream, ex.Aborted, ex.Err, ex.Truncated, tt.wantTruncated)
			}
			wantReq, wantResp := tt.reqBody, tt.respBody
			if tt.captureLimit > 0 {
				wantReq, wantResp = wantReq[:tt.captureLimit], wantResp[:tt.captureLimit]
			}
			gotReq, err := ex.RequestBody()
			if err != nil || !bytes.Equal(gotReq, wantReq) || !bytes.Equal(ex.RespBody, wantResp) {
				t.Errorf("exchange bodies of %d and %d bytes (%v), want %d and %d", len(gotReq), len(ex.RespBody), err, len(wantReq), len(wantResp))
			}
			// A body over 1 MiB is forwarded as it arrives and captured compressed.
			if streamed := len(tt.reqBody) > 1<<20; (ex.ReqZstd != nil) != streamed || (streamed && ex.ReqBody != nil) {
				t.Errorf("request body held as a frame: %v (and whole: %v), want %v", ex.ReqZstd != nil, ex.ReqBody != nil, streamed)
			}
			if got := ex.RespHeader.Get("Content-Type"); got != "application/json" {
				t.Errorf("exchange response Content-Type = %q, want application/json", got)
			}
			checkTimes(t, ex)
		})
	}
}

func TestProxyStream(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		chunks      []string
	}{
		{"sse_chat", "text/event-stream", []string{
			"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
			"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
			"data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
			"data: [DONE]\n\n",
		}},
		{"sse_tool_calls", "text/event-stream; charset=utf-8", []string{
			"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}\n\n",
			"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}\n\n",
			"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}}]}\n\n",
			"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
			"data: [DONE]\n\n",
		}},
		{"ollama_ndjson", "application/x-ndjson", []string{
			"{\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n",
			"{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true}\n",
		}},
		{"unknown_length_json", "application/json", []string{`{"partial":`, `true}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The upstream sends chunk i+1 only after the client has read chunk i, so
			// any buffering in the proxy stalls the test.
			ack := make(chan struct{})
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tt.contentType)
				for i, c := range tt.chunks {
					if i > 0 {
						select {
						case <-ack:
						case <-r.Context().Done():
							return
						}
					}
					io.WriteString(w, c)
					http.NewResponseController(w).Flush()
				}
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(`{"stream":true}`))
			resp, err := newClient(t).Do(req)
			if err != nil {
				t.Fatalf("POST through proxy: %v", err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("client got Content-Type %q, want %q", got, tt.contentType)
			}
			for i, c := range tt.chunks {
				if got := readChunk(t, resp.Body, len(c)); string(got) != c {
					t.Fatalf("chunk %d = %q, want %q", i, got, c)
				}
				if i < len(tt.chunks)-1 {
					ack <- struct{}{}
				}
			}
			if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) > 0 {
				t.Errorf("after the last chunk got %q, %v; want EOF", rest, err)
			}

			ex := rec.next(t)
			if want := strings.Join(tt.chunks, ""); string(ex.RespBody) != want {
				t.Errorf("exchange RespBody = %q, want %q", ex.RespBody, want)
			}
			if !ex.Stream || ex.Aborted || ex.Err != "" || ex.Status != http.StatusOK {
				t.Errorf("exchange stream %v aborted %v err %q status %d, want true false \"\" 200", ex.Stream, ex.Aborted, ex.Err, ex.Status)
			}
			checkTimes(t, ex)
		})
	}
}

func TestProxyGzip(t *testing.T) {
	plain := []byte(`{"choices":[{"message":{"content":"` + strings.Repeat("compressible ", 200) + `"}}]}`)
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write(plain)
	zw.Close()
	compressed := zbuf.Bytes()

	tests := []struct {
		name           string
		acceptEncoding string // "" sends no Accept-Encoding
		wantUpstreamAE string
		wantBody       []byte
		wantEncoding   string
	}{
		{"client_accepts_gzip", "gzip, deflate, br", "gzip, deflate, br", compressed, "gzip"},
		{"client_sends_none", "", "identity", plain, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Accept-Encoding"); got != tt.wantUpstreamAE {
					t.Errorf("upstream got Accept-Encoding %q, want %q", got, tt.wantUpstreamAE)
				}
				w.Header().Set("Content-Type", "application/json")
				if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(compressed)
					return
				}
				w.Write(plain)
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(`{}`))
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			resp, body := do(t, newClient(t), req)
			if !bytes.Equal(body, tt.wantBody) || resp.Header.Get("Content-Encoding") != tt.wantEncoding {
				t.Errorf("client got %d bytes with Content-Encoding %q, want the upstream's %d bytes with %q",
					len(body), resp.Header.Get("Content-Encoding"), len(tt.wantBody), tt.wantEncoding)
			}
			ex := rec.next(t)
			if !bytes.Equal(ex.RespBody, tt.wantBody) || ex.RespHeader.Get("Content-Encoding") != tt.wantEncoding {
				t.Errorf("exchange RespBody has %d bytes with Content-Encoding %q, want %d bytes with %q",
					len(ex.RespBody), ex.RespHeader.Get("Content-Encoding"), len(tt.wantBody), tt.wantEncoding)
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestProxyRoutes(t *testing.T) {
	sent := make(chan *http.Request, 1)
	fake := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent <- r
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: 2,
			Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	px, _, rec := startProxy(t, proxy.Config{
		Target:     "https://gw.example.com/openai",
		Routes:     map[string]string{"local": "http://127.0.0.1:5000/api", "slash": "http://llm.lan/api/"},
		AllowHosts: []string{"llm.example.com", "http://127.0.0.1:5001"},
		Transport:  fake,
	})
	tests := []struct {
		name      string
		path      string
		wantURL   string
		wantRoute string
	}{
		{"host_openai", "/api.openai.com/v1/chat/completions?x=1", "https://api.openai.com/v1/chat/completions?x=1", "host:api.openai.com"},
		{"host_case_insensitive", "/API.Anthropic.com/v1/messages", "https://api.anthropic.com/v1/messages", "host:api.anthropic.com"},
		{"host_gemini_colon", "/generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
			"https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", "host:generativelanguage.googleapis.com"},
		{"allow_host_bare", "/llm.example.com/v1/chat/completions", "https://llm.example.com/v1/chat/completions", "host:llm.example.com"},
		{"allow_host_scheme", "/127.0.0.1:5001/v1/models", "http://127.0.0.1:5001/v1/models", "host:127.0.0.1:5001"},
		{"route_prefix", "/local/v1/x?y=2", "http://127.0.0.1:5000/api/v1/x?y=2", "route:local"},
		{"route_trailing_slash", "/slash/v1/chat", "http://llm.lan/api/v1/chat", "route:slash"},
		{"route_alone", "/local", "http://127.0.0.1:5000/api", "route:local"},
		{"route_escaped_path", "/local/v1/files/a%2Fb", "http://127.0.0.1:5000/api/v1/files/a%2Fb", "route:local"},
		{"target_prefix", "/v1/chat/completions", "https://gw.example.com/openai/v1/chat/completions", "target"},
		{"target_unknown_segment", "/Local/v1/x", "https://gw.example.com/openai/Local/v1/x", "target"},
	}
	c := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, px.URL+tt.path, strings.NewReader("{}"))
			resp, body := do(t, c, req)
			if resp.StatusCode != http.StatusOK || string(body) != "ok" {
				t.Fatalf("client got %d %q, want 200 ok", resp.StatusCode, body)
			}
			out := <-sent
			if got := out.URL.String(); got != tt.wantURL {
				t.Errorf("upstream URL = %q, want %q", got, tt.wantURL)
			}
			if wantHost := out.URL.Host; out.Host != wantHost {
				t.Errorf("upstream Host = %q, want %q", out.Host, wantHost)
			}
			ex := rec.next(t)
			if ex.Route != tt.wantRoute || ex.URL != tt.wantURL {
				t.Errorf("exchange route %q URL %q, want %q %q", ex.Route, ex.URL, tt.wantRoute, tt.wantURL)
			}
		})
	}
}

func TestProxyHostInPathTLS(t *testing.T) {
	up := httptestTLS(t)
	host := strings.TrimPrefix(up.URL, "https://")
	px, _, rec := startProxy(t, proxy.Config{
		AllowHosts: []string{up.URL},
		Transport:  up.Client().Transport,
	})
	req, _ := http.NewRequest(http.MethodPost, px.URL+"/"+host+"/v1/chat/completions", strings.NewReader("{}"))
	resp, body := do(t, newClient(t), req)
	if resp.StatusCode != http.StatusOK || string(body) != `{"tls":true}` {
		t.Fatalf("client got %d %q, want 200 {\"tls\":true}", resp.StatusCode, body)
	}
	ex := rec.next(t)
	if want := "host:" + host; ex.Route != want {
		t.Errorf("exchange Route = %q, want %q", ex.Route, want)
	}
	if u, err := url.Parse(ex.URL); err != nil || u.Scheme != "https" || u.Path != "/v1/chat/completions" {
		t.Errorf("exchange URL = %q, want https://%s/v1/chat/completions", ex.URL, host)
	}
}
