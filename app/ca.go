package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/llmtap/llmtap/proxy"
)

// caBundleFile is the roots file for tools whose CA variable replaces their roots.
const caBundleFile = "ca-bundle.pem"

// systemBundles are where Linux distributions and macOS keep the PEM bundle of
// system roots (the list crypto/x509 reads on Linux, plus macOS's /etc/ssl/cert.pem).
var systemBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// openMITM loads (or creates) the CA in cfg.DataDir and returns the proxy's MITM
// configuration, or nil when cfg.MITM is off.
func openMITM(cfg Config) (*proxy.MITMConfig, error) {
	if !cfg.MITM {
		return nil, nil
	}
	ca, err := proxy.LoadOrCreateCA(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	log := cfg.Log.With("component", "ca")
	if ca.Created() {
		log.Info("CA created; trust it to capture HTTPS (llmtap ca trust-commands)", "path", ca.CertPath())
	}
	if _, err := WriteCABundle(cfg.DataDir, ca); err != nil {
		// Only tools told to use the bundle (SSL_CERT_FILE…) miss it; capture works.
		log.Warn("write CA bundle", "err", err)
	}
	return &proxy.MITMConfig{CA: ca, AllowDestinations: cfg.MITMAllow}, nil
}

// WriteCABundle writes dataDir/ca-bundle.pem, the system roots plus ca, for the
// variables of ProxyEnv that replace a tool's roots, and returns its path. The app
// rewrites it on every start with MITM on, so it follows system root updates.
func WriteCABundle(dataDir string, ca *proxy.CA) (string, error) {
	return writeCABundle(dataDir, ca.CertPEM(), systemBundles)
}

// writeCABundle writes dataDir/ca-bundle.pem: the first system bundle found among
// candidates followed by caPEM, or caPEM alone when there is none (Windows). Tools
// pointed at it (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) then still trust
// the hosts llmtap tunnels without decrypting. It returns the file's path.
func writeCABundle(dataDir string, caPEM []byte, candidates []string) (string, error) {
	var buf bytes.Buffer
	for _, p := range candidates {
		if sys, err := os.ReadFile(p); err == nil {
			buf.Write(sys)
			if len(sys) > 0 && sys[len(sys)-1] != '\n' {
				buf.WriteByte('\n')
			}
			break
		}
	}
	buf.Write(caPEM)
	path := filepath.Join(dataDir, caBundleFile)
	// Only public certificates, but the data folder is private throughout (issue 11).
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("write CA bundle: %w", err)
	}
	return path, nil
}

// CA returns the proxy's CA, or nil when MITM is off.
func (a *App) CA() *proxy.CA {
	if a.mitm == nil {
		return nil
	}
	return a.mitm.CA
}

// ProxyEnv returns the environment that sends a tool through this app's proxy and
// trusts its CA (see the package function ProxyEnv), or nil when MITM is off.
func (a *App) ProxyEnv() []EnvVar {
	ca := a.CA()
	if ca == nil {
		return nil
	}
	bundle := filepath.Join(a.cfg.DataDir, caBundleFile)
	if _, err := os.Stat(bundle); err != nil {
		bundle = ""
	}
	return ProxyEnv(a.ProxyAddr(), ca.CertPath(), bundle)
}
