package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

func TestWriteCABundle(t *testing.T) {
	const caPEM = "-----BEGIN CERTIFICATE-----\nLLMTAP\n-----END CERTIFICATE-----\n"
	sys := filepath.Join(t.TempDir(), "system.pem")
	if err := os.WriteFile(sys, []byte("SYSTEM ROOTS"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"system_roots_then_ca", []string{"/nonexistent/bundle.pem", sys}, "SYSTEM ROOTS\n" + caPEM},
		{"ca_alone_without_system_bundle", []string{"/nonexistent/bundle.pem"}, caPEM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := writeCABundle(dir, []byte(caPEM), tt.candidates)
			if err != nil {
				t.Fatalf("writeCABundle = %v", err)
			}
			if want := filepath.Join(dir, "ca-bundle.pem"); path != want {
				t.Errorf("writeCABundle path = %q, want %q", path, want)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Errorf("bundle = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenWithMITM(t *testing.T) {
	tests := []struct {
		name    string
		mitm    bool
		wantCA  bool
		wantEnv int
	}{
		{"mitm_on", true, true, 7},
		{"mitm_off", false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, MITM: tt.mitm})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer a.Shutdown(t.Context())
			if got := a.CA() != nil; got != tt.wantCA {
				t.Fatalf("CA() != nil is %v, want %v", got, tt.wantCA)
			}
			if env := a.ProxyEnv(); len(env) != tt.wantEnv {
				t.Errorf("ProxyEnv() has %d variables, want %d", len(env), tt.wantEnv)
			}
			_, err = os.Stat(filepath.Join(dir, "ca.pem"))
			if exists := err == nil; exists != tt.wantCA {
				t.Errorf("ca.pem exists = %v, want %v", exists, tt.wantCA)
			}
			if !tt.wantCA {
				return
			}
			if a.CA().CertPath() != filepath.Join(dir, "ca.pem") {
				t.Errorf("CA path = %q, want it in the data folder", a.CA().CertPath())
			}
			bundle, _ := os.ReadFile(filepath.Join(dir, "ca-bundle.pem"))
			if !strings.HasSuffix(string(bundle), string(a.CA().CertPEM())) {
				t.Error("ca-bundle.pem does not end with the CA")
			}
		})
	}
}

func TestOpenRefusesBrokenCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := proxy.LoadOrCreateCA(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca-key.pem"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, MITM: true}); err == nil {
		a.Shutdown(t.Context())
		t.Fatal("Open with a broken CA succeeded, want an error")
	}
}
