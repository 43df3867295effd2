package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/llmtap/llmtap/proxy"
)

func TestProxyRedaction(t *testing.T) {
	const secret = "sk-proj-Zq8vT3xW9yLk2Jm5Np7Rs1Uf4Hd6Gb0cAeSECR"
	tests := []struct {
		name       string
		query      string
		header     string
		value      string
		wantHeader string // the captured header value; "" skips the check
	}{
		{"authorization_bearer", "", "Authorization", "Bearer " + secret, "Bearer [redacted …SECR]"},
		{"authorization_basic", "", "Authorization", "Basic " + secret, "Basic [redacted]"},
		{"x_api_key", "", "X-Api-Key", secret, "[redacted …SECR]"},
		{"azure_api_key", "", "Api-Key", secret, "[redacted …SECR]"},
		{"gemini_header", "", "X-Goog-Api-Key", secret, "[redacted …SECR]"},
		{"custom_token_header", "", "X-Portkey-Token", secret, "[redacted …SECR]"},
		{"cookie", "", "Cookie", "session=" + secret, "[redacted]"},
		{"gemini_query_key", "alt=sse&key=" + secret, "", "", ""},
		{"query_api_key", "api_key=" + url.QueryEscape(secret) + "&x=1", "", "", ""},
		{"query_api_dash_key", "API-KEY=" + secret, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if tt.header != "" && r.Header.Get(tt.header) != tt.value {
					t.Errorf("upstream got %s: %q, want it untouched", tt.header, r.Header.Get(tt.header))
				}
				if tt.query != "" && r.URL.RawQuery != tt.query {
					t.Errorf("upstream got query %q, want %q", r.URL.RawQuery, tt.query)
				}
				// Some upstreams echo the key back in errors and headers.
				w.Header().Set("X-Echo", "key "+secret)
				w.Header().Set("Set-Cookie", "session="+secret)
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s"}}`, secret)
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

			// An OpenAI path: on a Gemini one the proxy would move a Bearer key to
			// x-goog-api-key (see TestAuthConversion).
			u := px.URL + "/v1/chat/completions"
			if tt.query != "" {
				u += "?" + tt.query
			}
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"note":"`+secret+`"}`))
			if tt.header != "" {
				req.Header.Set(tt.header, tt.value)
			}
			resp, body := do(t, newClient(t), req)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), secret) {
				t.Errorf("client got %d %q, want the upstream's 401 untouched", resp.StatusCode, body)
			}

			ex := rec.next(t)
			js, err := json.Marshal(ex)
			if err != nil {
				t.Fatalf("marshal exchange: %v", err)
			}
			// JSON shows bodies in base64, so add them as text.
			dump := string(js) + string(ex.ReqBody) + string(ex.RespBody) + fmt.Sprintf("%#v %#v %#v", *ex, ex.ReqHeader, ex.RespHeader)
			for _, s := range []string{secret, secret[8:], url.QueryEscape(secret)} {
				if strings.Contains(dump, s) {
					t.Errorf("exchange contains the key %q: %s", s, js)
				}
			}
			if tt.wantHeader != "" && ex.ReqHeader.Get(tt.header) != tt.wantHeader {
				t.Errorf("captured %s = %q, want %q", tt.header, ex.ReqHeader.Get(tt.header), tt.wantHeader)
			}
		})
	}
}

// exchangeDump returns every byte of ex a Sink could store, bodies as text.
func exchangeDump(t *testing.T, ex *proxy.Exchange) string {
	t.Helper()
	js, err := json.Marshal(ex)
	if err != nil {
		t.Fatalf("marshal exchange: %v", err)
	}
	return string(js) + string(ex.ReqBody) + string(ex.RespBody) + fmt.Sprintf("%#v %#v %#v", *ex, ex.ReqHeader, ex.RespHeader)
}

// TestProxyBodyRedaction plants a key in each form it takes outside the standard
// headers and checks that the upstream gets the request untouched and that no byte
// the Sink gets holds the key, while the rest of the body is kept.
func TestProxyBodyRedaction(t *testing.T) {
	const secret = "sk-proj-Body7Hq2Xv9Lm4Kt8Zw3Rb6Nd1YcJsECR"
	tests := []struct {
		name        string
		contentType string
		body        string // %[1]s is the secret
		header      map[string]string
	}{
		{"json_api_key", "application/json", `{"model":"m","max_tokens":5,"api_key":"%[1]s","messages":[]}`, nil},
		{"json_camel_api_key", "application/json", `{"model":"m","max_tokens":5,"apiKey":"%[1]s"}`, nil},
		{"json_nested_authorization", "application/json",
			`{"model":"m","max_tokens":5,"extra":{"headers":{"Authorization":"Bearer %[1]s"}}}`, nil},
		{"json_token", "application/json", `{"max_tokens":5,"token":"%[1]s"}`, nil},
		{"json_secret_in_array", "application/json", `{"max_tokens":5,"tools":[{"secret":"%[1]s"}]}`, nil},
		{"json_password", "application/json", `{"max_tokens":5,"db":{"password":"%[1]s"}}`, nil},
		{"json_escaped_name", "application/json", `{"max_tokens":5,"api\u005fkey":"%[1]s"}`, nil},
		{"json_also_quoted_in_content", "application/json",
			`{"max_tokens":5,"api_key":"%[1]s","messages":[{"role":"user","content":"my key is %[1]s"}]}`, nil},
		{"form_api_key", "application/x-www-form-urlencoded", `model=m&max_tokens=5&api_key=%[1]s`, nil},
		{"custom_auth_header", "application/json", `{"max_tokens":5}`, map[string]string{"X-Custom-Auth": "%[1]s"}},
		{"custom_token_header", "application/json", `{"max_tokens":5}`, map[string]string{"X-Api-Token": "%[1]s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(tt.body, secret)
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				got, _ := io.ReadAll(r.Body)
				if string(got) != body {
					t.Errorf("upstream got body %q, want it untouched: %q", got, body)
				}
				for k, v := range tt.header {
					if want := fmt.Sprintf(v, secret); r.Header.Get(k) != want {
						t.Errorf("upstream got %s: %q, want %q", k, r.Header.Get(k), want)
					}
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s"}}`, secret)
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Content-Type", tt.contentType)
			for k, v := range tt.header {
				req.Header.Set(k, fmt.Sprintf(v, secret))
			}
			if resp, got := do(t, newClient(t), req); !strings.Contains(string(got), secret) {
				t.Errorf("client got %d %q, want the upstream's answer untouched", resp.StatusCode, got)
			}

			ex := rec.next(t)
			dump := exchangeDump(t, ex)
			for _, s := range []string{secret, secret[8:], url.QueryEscape(secret)} {
				if strings.Contains(dump, s) {
					t.Errorf("exchange contains the key %q: %.600s", s, dump)
				}
			}
			if json.Valid([]byte(body)) && !json.Valid(ex.ReqBody) {
				t.Errorf("captured body %q is not valid JSON", ex.ReqBody)
			}
			if !strings.Contains(string(ex.ReqBody), "max_tokens") || !strings.Contains(string(ex.ReqBody), "5") {
				t.Errorf("captured body %q lost max_tokens", ex.ReqBody)
			}
		})
	}
}

// TestWebSocketRedaction: a key a client sends in a WebSocket message (and the
// upstream echoes back) is in neither recorded direction.
func TestWebSocketRedaction(t *testing.T) {
	const secret = "ek_Realtime4Hq9Xv2Lm7Kt1Zw8Rb3SECR"
	up := startUpstream(t, proxy.WSEchoServer(websocket.Upgrader{}, nil))
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
	c, _, err := (&websocket.Dialer{}).DialContext(t.Context(), "ws"+strings.TrimPrefix(px.URL, "http")+"/v1/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := `{"type":"session.update","session":{"max_tokens":5,"client_secret":"` + secret + `"}}`
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
		t.Fatalf("echo = %q, %v; want the message untouched", got, err)
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	c.Close()
	ex := rec.next(t)
	if dump := exchangeDump(t, ex); strings.Contains(dump, secret) || strings.Contains(dump, secret[8:]) {
		t.Errorf("exchange contains the key: %.600s", dump)
	}
	if want := `{"type":"session.update","session":{"max_tokens":5,"client_secret":"[redacted]"}}` + "\n"; string(ex.ReqBody) != want {
		t.Errorf("client messages recorded = %q, want %q", ex.ReqBody, want)
	}
}
