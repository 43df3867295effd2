package access

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const testToken = "test-token-0123456789abcdef"

// serve runs one request through a Guard in front of a handler that answers 200.
func serve(t *testing.T, g *Guard, req *http.Request) *http.Response {
	t.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	rec := httptest.NewRecorder()
	g.Wrap(ok).ServeHTTP(rec, req)
	return rec.Result()
}

func newGuard(t *testing.T, cfg Config) *Guard {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGuard(t *testing.T) {
	loopback := newGuard(t, Config{AllowHosts: []string{"llmtap.lan"}})
	exposed := newGuard(t, Config{Token: testToken, AllowHosts: []string{"LLMTAP.lan:8781"}})
	tests := []struct {
		name     string
		guard    *Guard
		method   string
		url      string
		header   map[string]string
		want     int
		wantLoc  string
		wantBody string
	}{
		{"loopback_no_token", loopback, "GET", "http://127.0.0.1:8781/api/status", nil, 200, "", "ok"},
		{"loopback_post_same_origin", loopback, "POST", "http://127.0.0.1:8781/api/capture",
			map[string]string{"Origin": "http://127.0.0.1:8781", "Sec-Fetch-Site": "same-origin"}, 200, "", "ok"},
		{"localhost_name", loopback, "GET", "http://localhost:8781/api/status", nil, 200, "", "ok"},
		{"ipv6_loopback", loopback, "GET", "http://[::1]:8781/api/status", nil, 200, "", "ok"},
		{"ip_address_host", loopback, "GET", "http://192.0.2.7:8781/api/status", nil, 200, "", "ok"},
		{"allowed_name", loopback, "GET", "http://llmtap.lan:8781/api/status", nil, 200, "", "ok"},
		{"foreign_host", loopback, "GET", "http://evil.example:8781/api/status", nil, 403, "", "--ui-allow-host"},
		{"foreign_host_page", loopback, "GET", "http://evil.example:8781/", nil, 403, "", "forbidden"},
		{"foreign_origin_get", loopback, "GET", "http://127.0.0.1:8781/api/status",
			map[string]string{"Origin": "http://evil.example"}, 403, "", "cross-origin"},
		{"foreign_origin_post", loopback, "POST", "http://127.0.0.1:8781/api/capture",
			map[string]string{"Origin": "http://evil.example"}, 403, "", "cross-origin"},
		{"null_origin_post", loopback, "POST", "http://127.0.0.1:8781/api/capture",
			map[string]string{"Origin": "null"}, 403, "", "cross-origin"},
		{"cross_site_post_without_origin", loopback, "POST", "http://127.0.0.1:8781/api/capture",
			map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "", "Sec-Fetch-Site"},
		{"same_site_put", loopback, "PUT", "http://127.0.0.1:8781/api/settings",
			map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "", "Sec-Fetch-Site"},
		{"cross_site_link_get", loopback, "GET", "http://127.0.0.1:8781/",
			map[string]string{"Sec-Fetch-Site": "cross-site"}, 200, "", "ok"},
		{"curl_post", loopback, "POST", "http://127.0.0.1:8781/api/capture", nil, 200, "", "ok"},
		{"loopback_login_is_app_route", loopback, "GET", "http://127.0.0.1:8781/login", nil, 200, "", "ok"},

		{"exposed_no_token_api", exposed, "GET", "http://192.0.2.7:8781/api/status", nil, 401, "", "Bearer"},
		{"exposed_no_token_post", exposed, "POST", "http://192.0.2.7:8781/api/capture", nil, 401, "", "unauthorized"},
		{"exposed_no_token_page", exposed, "GET", "http://192.0.2.7:8781/conversations/3", nil, 303, LoginPath, ""},
		{"exposed_loopback_client_needs_token_too", exposed, "GET", "http://127.0.0.1:8781/api/status", nil, 401, "", "unauthorized"},
		{"exposed_bearer", exposed, "GET", "http://192.0.2.7:8781/api/status",
			map[string]string{"Authorization": "Bearer " + testToken}, 200, "", "ok"},
		{"exposed_bearer_lowercase_scheme", exposed, "GET", "http://192.0.2.7:8781/api/status",
			map[string]string{"Authorization": "bearer " + testToken}, 200, "", "ok"},
		{"exposed_wrong_bearer", exposed, "GET", "http://192.0.2.7:8781/api/status",
			map[string]string{"Authorization": "Bearer nope-nope-nope-nope"}, 401, "", "unauthorized"},
		{"exposed_token_as_cookie", exposed, "GET", "http://192.0.2.7:8781/api/status",
			map[string]string{"Cookie": CookieName + "=" + testToken}, 401, "", "unauthorized"},
		{"exposed_bearer_foreign_host", exposed, "GET", "http://evil.example:8781/api/status",
			map[string]string{"Authorization": "Bearer " + testToken}, 403, "", "forbidden"},
		{"exposed_allowed_name_case", exposed, "GET", "http://llmtap.LAN/api/status",
			map[string]string{"Authorization": "Bearer " + testToken}, 200, "", "ok"},
		{"exposed_bearer_foreign_origin_post", exposed, "POST", "http://192.0.2.7:8781/api/capture",
			map[string]string{"Authorization": "Bearer " + testToken, "Origin": "http://evil.example"}, 403, "", "cross-origin"},
		{"exposed_login_page", exposed, "GET", "http://192.0.2.7:8781/login", nil, 200, "", "UI token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.url, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp := serve(t, tt.guard, req)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.wantBody) ||
				resp.Header.Get("Location") != tt.wantLoc {
				t.Errorf("%s %s %v = %d %q (Location %q), want %d containing %q (Location %q)", tt.method, tt.url, tt.header,
					resp.StatusCode, body, resp.Header.Get("Location"), tt.want, tt.wantBody, tt.wantLoc)
			}
		})
	}
}

// TestLoginCookie follows a browser: the form, a wrong token, the right one, and the
// cookie it gets then opens the API.
func TestLoginCookie(t *testing.T) {
	g := newGuard(t, Config{Token: testToken})
	const origin = "http://192.0.2.7:8781"
	post := func(token, from string) *http.Response {
		req := httptest.NewRequest("POST", origin+LoginPath, strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", from)
		return serve(t, g, req)
	}
	tests := []struct {
		name       string
		token      string
		origin     string
		want       int
		wantCookie bool
	}{
		{"wrong_token", "not-the-token-at-all", origin, 401, false},
		{"empty_token", "", origin, 401, false},
		{"foreign_origin", testToken, "http://evil.example", 403, false},
		{"right_token", testToken, origin, 303, true},
		{"right_token_with_spaces", " " + testToken + "\n", origin, 303, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(tt.token, tt.origin)
			var cookie *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == CookieName {
					cookie = c
				}
			}
			if resp.StatusCode != tt.want || (cookie != nil) != tt.wantCookie {
				t.Fatalf("POST %s token=%q = %d, cookie %v; want %d, cookie %v", LoginPath, tt.token, resp.StatusCode, cookie, tt.want, tt.wantCookie)
			}
			if cookie == nil {
				return
			}
			if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || cookie.MaxAge <= 0 {
				t.Errorf("cookie = %+v, want HttpOnly, SameSite=Strict, Path=/, a MaxAge", cookie)
			}
			if strings.Contains(cookie.Value, testToken) {
				t.Errorf("cookie value %q holds the token itself", cookie.Value)
			}
			req := httptest.NewRequest("GET", origin+"/api/status", nil)
			req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie.Value})
			if got := serve(t, g, req).StatusCode; got != 200 {
				t.Errorf("GET /api/status with the login cookie = %d, want 200", got)
			}
			other := newGuard(t, Config{Token: "another-token-0123456789"})
			if got := serve(t, other, req).StatusCode; got != 401 {
				t.Errorf("GET /api/status with a cookie of another token = %d, want 401", got)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{"ipv4_loopback", "127.0.0.1:8781", true},
		{"other_loopback", "127.0.0.2:0", true},
		{"ipv6_loopback", "[::1]:8781", true},
		{"localhost", "localhost:8781", true},
		{"all_interfaces", "0.0.0.0:8781", false},
		{"empty_host", ":8781", false},
		{"ipv6_any", "[::]:8781", false},
		{"lan_address", "192.168.1.5:8781", false},
		{"a_name", "myhost:8781", false},
		{"no_port", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Loopback(tt.addr); got != tt.want {
				t.Errorf("Loopback(%q) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestNewTokenAndCheck(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || len(a) < MinTokenLen || CheckToken(a) != nil {
		t.Errorf("NewToken() = %q, %q: want two different tokens of at least %d characters", a, b, MinTokenLen)
	}
	if _, err := New(Config{Token: "short"}); err == nil {
		t.Error(`New(Token: "short") = nil error, want one`)
	}
}
