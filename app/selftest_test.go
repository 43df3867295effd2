package app

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

func TestSelfTest(t *testing.T) {
	// A capture host nobody listens on: the proxy still presents its certificate,
	// then records the unreachable upstream as a 502. Works offline.
	const host = "127.0.0.1:1"
	open := func(t *testing.T, mitm bool, trustCA bool) *App {
		t.Helper()
		cfg := Config{DataDir: t.TempDir(), MITM: mitm, AllowHosts: []string{host}}
		if trustCA {
			ca, err := proxy.LoadOrCreateCA(cfg.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca.Certificate())
			cfg.SelfTestRoots = pool
		}
		return openSelfTestApp(t, cfg)
	}
	tests := []struct {
		name          string
		mitm, trust   bool
		capture       bool
		wantHops      string
		wantProblemIn string
	}{
		{"mitm_off", false, false, true, "Proxy reachable ✓, MITM on ✗", "MITM mode is off"},
		{"ca_not_trusted", true, false, true, "Proxy reachable ✓, MITM on ✓, CA trusted ✗", "llmtap ca trust"},
		// The upstream is down, and the hop says so; the exchange is still recorded.
		{"trusted_and_captured", true, true, true,
			"Proxy reachable ✓, MITM on ✓, CA trusted ✓, Upstream answered ✗, Captured ✓", "upstream_unreachable"},
		{"trusted_but_capture_off", true, true, false,
			"Proxy reachable ✓, MITM on ✓, CA trusted ✓, Upstream answered ✗, Captured ✗", "upstream_unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := open(t, tt.mitm, tt.trust)
			a.SetCapture(tt.capture)
			st := a.SelfTest(t.Context(), SelfTestMITM, "", host)
			if h := hopsText(st); h != tt.wantHops || !strings.Contains(st.Problem, tt.wantProblemIn) {
				t.Errorf("SelfTest = %s, problem %q; want %s, problem containing %q", h, st.Problem, tt.wantHops, tt.wantProblemIn)
			}
			if st.Captured && st.Status != 502 {
				t.Errorf("status through the proxy = %d, want 502 from the unreachable upstream", st.Status)
			}
		})
	}
}

// hopsText is st's hops as "Name ✓, Name ✗".
func hopsText(st SelfTest) string {
	var hops []string
	for _, h := range st.Hops {
		hops = append(hops, h.Name+map[bool]string{true: " ✓", false: " ✗"}[h.OK])
	}
	return strings.Join(hops, ", ")
}

// openSelfTestApp opens an App listening on a loopback proxy port with cfg, in a
// new data folder unless cfg names one.
func openSelfTestApp(t *testing.T, cfg Config) *App {
	t.Helper()
	cfg.ProxyAddr = "127.0.0.1:0"
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(ctx)
	})
	return a
}

// TestSelfTestBase runs the base-URL self-test against real upstreams: each hop
// must say what happened to the one model list call it sends.
func TestSelfTestBase(t *testing.T) {
	var got []string // paths the upstream was asked for
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/models" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"message":"no key"}}`))
	}))
	t.Cleanup(up.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	upHost := strings.TrimPrefix(up.URL, "http://")

	tests := []struct {
		name       string
		cfg        Config
		setTarget  string // set live, as the first-run page does
		capture    bool
		wantHops   string // names and outcomes, in order
		wantPath   string // what the upstream was asked for, "" for nothing
		wantStatus int
		wantIn     string // in the problem, "" for none
	}{
		{"no_target", Config{}, "", true, "Proxy reachable ✓, Route resolved ✗", "", 0, "no target is set"},
		{"target", Config{Target: up.URL}, "", true,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✓, Captured ✓", "/v1/models", 401, ""},
		{"target_set_live", Config{}, up.URL + "/", true,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✓, Captured ✓", "/v1/models", 401, ""},
		{"route_only", Config{Routes: map[string]string{"zz": "http://127.0.0.1:1", "local": up.URL + "/v1"}}, "", true,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✓, Captured ✓", "/v1/models", 401, ""},
		{"upstream_down", Config{Target: down.URL}, "", true,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✗, Captured ✓", "", 502, "llmtap answered HTTP 502 (upstream_unreachable)"},
		{"wrong_prefix", Config{Target: up.URL + "/v1"}, "", true,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✗, Captured ✓", "/v1/v1/models", 404, "check the target's path"},
		{"capture_off", Config{Target: up.URL}, "", false,
			"Proxy reachable ✓, Route resolved ✓, Upstream answered ✓, Captured ✗", "/v1/models", 401, "capture is switched off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			a := openSelfTestApp(t, tt.cfg)
			a.SetCapture(tt.capture)
			if tt.setTarget != "" {
				if err := a.SetTarget(tt.setTarget); err != nil {
					t.Fatal(err)
				}
			}
			st := a.SelfTest(t.Context(), "", "", "")
			if h := hopsText(st); h != tt.wantHops || st.Mode != SelfTestBase {
				t.Errorf("SelfTest hops = %s (mode %s), want %s\n%+v", h, st.Mode, tt.wantHops, st.Hops)
			}
			if tt.wantPath != "" && !slices.Equal(got, []string{tt.wantPath}) {
				t.Errorf("upstream was asked for %v, want [%s]", got, tt.wantPath)
			}
			if st.Status != tt.wantStatus || !strings.Contains(st.Problem, tt.wantIn) || (tt.wantIn == "") != (st.Problem == "") {
				t.Errorf("SelfTest status %d problem %q, want %d and a problem containing %q", st.Status, st.Problem, tt.wantStatus, tt.wantIn)
			}
			if tt.wantPath != "" && st.Host != upHost {
				t.Errorf("SelfTest host = %q, want %q", st.Host, upHost)
			}
		})
	}
}
