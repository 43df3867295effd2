package proxy_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

func loadCA(t *testing.T, dir string) *proxy.CA {
	t.Helper()
	ca, err := proxy.LoadOrCreateCA(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateCA(%q) = %v", dir, err)
	}
	return ca
}

func TestLoadOrCreateCANew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet: the CA creates it
	ca := loadCA(t, dir)
	if !ca.Created() {
		t.Error("Created() = false for a new CA, want true")
	}
	if want := filepath.Join(dir, "ca.pem"); ca.CertPath() != want {
		t.Errorf("CertPath() = %q, want %q", ca.CertPath(), want)
	}
	cert := ca.Certificate()
	if !strings.HasPrefix(cert.Subject.CommonName, "llmtap local CA") {
		t.Errorf("CA name = %q, want prefix %q", cert.Subject.CommonName, "llmtap local CA")
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 || cert.MaxPathLen != 0 || !cert.MaxPathLenZero {
		t.Errorf("CA IsCA=%v KeyUsage=%v MaxPathLen=%d zero=%v, want a CA with CertSign and MaxPathLen 0",
			cert.IsCA, cert.KeyUsage, cert.MaxPathLen, cert.MaxPathLenZero)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T, want ECDSA P-256", cert.PublicKey)
	}
	if life := cert.NotAfter.Sub(cert.NotBefore); life < 9*365*24*time.Hour {
		t.Errorf("CA validity = %v, want about 10 years", life)
	}
	onDisk, err := os.ReadFile(ca.CertPath())
	if err != nil || !bytes.Equal(onDisk, ca.CertPEM()) {
		t.Errorf("ca.pem = %q (err %v), want CertPEM()", onDisk, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("ca-key.pem mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestLoadOrCreateCAReload(t *testing.T) {
	dir := t.TempDir()
	first := loadCA(t, dir)
	again := loadCA(t, dir)
	if again.Created() {
		t.Error("Created() = true on reload, want false")
	}
	if !bytes.Equal(first.Certificate().Raw, again.Certificate().Raw) {
		t.Error("reloaded CA differs from the one created")
	}
	// The reloaded key must be the one that signed the certificate: a leaf it makes
	// verifies against the first CA.
	leaf, err := again.Leaf("api.openai.com")
	if err != nil {
		t.Fatal(err)
	}
	verifyLeaf(t, first, leaf, "api.openai.com")

	other := loadCA(t, t.TempDir())
	if bytes.Equal(first.Certificate().Raw, other.Certificate().Raw) ||
		first.Certificate().PublicKey.(*ecdsa.PublicKey).Equal(other.Certificate().PublicKey) {
		t.Error("two data folders got the same CA, want a fresh key each")
	}
}

func TestLoadOrCreateCABroken(t *testing.T) {
	otherKey, err := os.ReadFile(filepath.Join(filepath.Dir(loadCA(t, t.TempDir()).CertPath()), "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		breakIt func(dir string) error
		wantErr string
	}{
		{"corrupt_key", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "ca-key.pem"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
		}, "parse ca-key.pem"},
		{"not_pem_key", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "ca-key.pem"), []byte("garbage"), 0o600)
		}, "no PEM key"},
		{"key_of_another_ca", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "ca-key.pem"), otherKey, 0o600)
		}, "does not match"},
		{"corrupt_cert", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("garbage"), 0o644)
		}, "no PEM certificate"},
		{"missing_key", func(dir string) error { return os.Remove(filepath.Join(dir, "ca-key.pem")) }, "ca-key.pem is missing"},
		{"missing_cert", func(dir string) error { return os.Remove(filepath.Join(dir, "ca.pem")) }, "ca.pem is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			loadCA(t, dir)
			if err := tt.breakIt(dir); err != nil {
				t.Fatal(err)
			}
			before := readDir(t, dir)
			_, err := proxy.LoadOrCreateCA(dir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadOrCreateCA(broken) = %v, want an error containing %q", err, tt.wantErr)
			}
			if after := readDir(t, dir); after != before {
				t.Errorf("LoadOrCreateCA changed the data folder:\n%s\nwant untouched:\n%s", after, before)
			}
		})
	}
}

// readDir returns the names and contents of the files in dir, for comparison.
func readDir(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + "\n" + string(data) + "\n")
	}
	return b.String()
}

func TestCALeaf(t *testing.T) {
	ca := loadCA(t, t.TempDir())
	tests := []struct {
		name string
		host string
		want string // the name to verify against
	}{
		{"dns_name", "api.openai.com", "api.openai.com"},
		{"upper_case", "API.Anthropic.com", "api.anthropic.com"},
		{"ipv4", "127.0.0.1", "127.0.0.1"},
		{"ipv6_bracketed", "[::1]", "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf, err := ca.Leaf(tt.host)
			if err != nil {
				t.Fatalf("Leaf(%q) = %v", tt.host, err)
			}
			verifyLeaf(t, ca, leaf, tt.want)
			if life := leaf.Leaf.NotAfter.Sub(leaf.Leaf.NotBefore); life > 32*24*time.Hour {
				t.Errorf("Leaf(%q) validity = %v, want about 30 days", tt.host, life)
			}
			if !leaf.Leaf.NotBefore.Before(time.Now().Add(-30 * time.Minute)) {
				t.Errorf("Leaf(%q) NotBefore = %v, want backdated", tt.host, leaf.Leaf.NotBefore)
			}
		})
	}
	if _, err := ca.Leaf(""); err == nil {
		t.Error(`Leaf("") = nil error, want one`)
	}
}

// verifyLeaf checks that leaf chains to ca for name, as a TLS client would.
func verifyLeaf(t *testing.T, ca *proxy.CA, leaf *tls.Certificate, name string) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
		t.Errorf("leaf for %q does not verify against the CA: %v", name, err)
	}
}

func TestCALeafCachedOnceUnderConcurrency(t *testing.T) {
	ca := loadCA(t, t.TempDir())
	const n = 32
	got := make([]*tls.Certificate, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			host := "api.openai.com"
			if i%2 == 1 {
				host = "API.OPENAI.COM." // the same host, spelled differently
			}
			c, err := ca.Leaf(host)
			if err != nil {
				t.Errorf("Leaf(%q) = %v", host, err)
			}
			got[i] = c
		})
	}
	close(start)
	wg.Wait()
	for i, c := range got {
		if c != got[0] {
			t.Fatalf("Leaf call %d got a different certificate, want one made once and shared", i)
		}
	}
	other, err := ca.Leaf("api.anthropic.com")
	if err != nil {
		t.Fatal(err)
	}
	if other == got[0] {
		t.Error("two hosts share one leaf, want one each")
	}
}
