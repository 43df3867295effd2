package proxy_test

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// scannerPaths are paths seen in real scanner traffic against open listeners.
var scannerPaths = []string{
	"/.env", "/api/.env", "/.env.production", "/.git/config", "/.aws/credentials",
	"/wp-login.php", "/wp-admin/setup-config.php", "/xmlrpc.php", "/actuator/health",
	"/actuator/gateway/routes", "/cgi-bin/luci/;stok=/locale", "/phpmyadmin/index.php",
	"/PHPMYADMIN/", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
	"/boaform/admin/formLogin", "/HNAP1/", "/server-status", "/owa/auth/logon.aspx",
	"/solr/admin/info/system", "/_ignition/execute-solution", "/index.php",
}

// llmPaths are API paths the proxy must always forward.
var llmPaths = []string{
	"/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages",
	"/anthropic/v1/messages", "/api/chat", "/api/generate", "/v1/rerank", "/v2/rerank",
	"/v1beta/models/gemini-2.5-flash:streamGenerateContent", "/v1/models", "/v1/embeddings",
	"/openai/deployments/gpt-4o/chat/completions",
}

// probeCase is one request path and whether the probe filter must refuse it.
type probeCase struct {
	name   string
	probes []string // nil: the defaults
	path   string
	refuse bool
}

// caseName turns a path into a snake_case subtest name.
func caseName(prefix, path string) string {
	return prefix + strings.NewReplacer("/", "_", ".", "_", ";", "_", "=", "_", "-", "_", ":", "_").Replace(path)
}

func TestProbeFilter(t *testing.T) {
	tests := []probeCase{
		{"custom_never_refuses_llm", []string{"/v1/*", "*/completions"}, "/v1/chat/completions", false},
		{"custom_refuses_other", []string{"/v1/*"}, "/v1/models", true},
		{"empty_list_refuses_none", []string{}, "/.env", false},
	}
	for _, p := range scannerPaths {
		tests = append(tests, probeCase{caseName("scanner", p), nil, p, true})
	}
	for _, p := range llmPaths {
		tests = append(tests, probeCase{caseName("llm", p), nil, p, false})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				_, _ = w.Write([]byte(`{}`))
			})
			px, s, rec := startProxy(t, proxy.Config{Target: up.URL, Probes: tt.probes})
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				req, err := http.NewRequestWithContext(t.Context(), method, px.URL+tt.path, strings.NewReader(`{}`))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				want := http.StatusOK
				if tt.refuse {
					want = http.StatusNotFound
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s = %d, want %d", method, tt.path, resp.StatusCode, want)
				}
			}
			// The sink is called before the client has its last byte, so by now it
			// holds every exchange there will be.
			wantHits, wantRefused := int64(2), int64(0)
			if tt.refuse {
				wantHits, wantRefused = 0, 2
			}
			if got := hits.Load(); got != wantHits {
				t.Errorf("upstream saw %d requests, want %d", got, wantHits)
			}
			if got := int64(len(rec.ch)); got != wantHits {
				t.Errorf("sink got %d exchanges, want %d", got, wantHits)
			}
			if got := s.ProbesRefused(); got != wantRefused {
				t.Errorf("ProbesRefused() = %d, want %d", got, wantRefused)
			}
		})
	}
}

func TestCheckProbe(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"path", "/.env", true},
		{"prefix", "/actuator/*", true},
		{"suffix", "*.php", true},
		{"empty", "", false},
		{"everything", "/*", false},
		{"relative", "wp-login.php", false},
		{"star_inside", "/a*b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := proxy.CheckProbe(tt.in); (err == nil) != tt.ok {
				t.Errorf("CheckProbe(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

// TestSetProbes checks a new list applies to the next request, and a bad one is
// refused whole.
func TestSetProbes(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	px, s, _ := startProxy(t, proxy.Config{Target: up.URL})
	get := func(path string) int {
		t.Helper()
		resp, err := http.Get(px.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/secret-panel"); got != http.StatusOK {
		t.Fatalf("GET /secret-panel before SetProbes = %d, want 200", got)
	}
	if err := s.SetProbes([]string{"/secret-panel"}); err != nil {
		t.Fatal(err)
	}
	if got := get("/secret-panel"); got != http.StatusNotFound {
		t.Errorf("GET /secret-panel after SetProbes = %d, want 404", got)
	}
	if err := s.SetProbes([]string{"/ok", "no-slash"}); err == nil {
		t.Error("SetProbes with a bad pattern = nil, want an error")
	}
	if got := get("/secret-panel"); got != http.StatusNotFound {
		t.Errorf("GET /secret-panel after a refused SetProbes = %d, want 404 (list kept)", got)
	}
}
