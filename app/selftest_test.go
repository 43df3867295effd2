package app

import (
	"context"
	"crypto/x509"
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
		dir := t.TempDir()
		cfg := Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, MITM: mitm, AllowHosts: []string{host}}
		if trustCA {
			ca, err := proxy.LoadOrCreateCA(dir)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca.Certificate())
			cfg.SelfTestRoots = pool
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
	tests := []struct {
		name          string
		mitm, trust   bool
		capture       bool
		wantTrusted   bool
		wantCaptured  bool
		wantProblemIn string
	}{
		{"mitm_off", false, false, true, false, false, "--mitm"},
		{"ca_not_trusted", true, false, true, false, false, "llmtap ca trust"},
		{"trusted_and_captured", true, true, true, true, true, ""},
		{"trusted_but_capture_off", true, true, false, true, false, "capture switched off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := open(t, tt.mitm, tt.trust)
			a.SetCapture(tt.capture)
			st := a.SelfTest(t.Context(), host)
			if st.CATrusted != tt.wantTrusted || st.Captured != tt.wantCaptured ||
				(tt.wantProblemIn == "") != (st.Problem == "") || !strings.Contains(st.Problem, tt.wantProblemIn) {
				t.Errorf("SelfTest = %+v; want trusted %v, captured %v, problem containing %q",
					st, tt.wantTrusted, tt.wantCaptured, tt.wantProblemIn)
			}
			if tt.wantCaptured && st.Status != 502 {
				t.Errorf("status through the proxy = %d, want 502 from the unreachable upstream", st.Status)
			}
		})
	}
}
