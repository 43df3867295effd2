package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names of the CA in the data folder.
const (
	caCertFile = "ca.pem"
	caKeyFile  = "ca-key.pem"
)

const (
	caValidity = 10 * 365 * 24 * time.Hour
	// Clocks of clients (VMs, phones on a tethered laptop) can lag; certificates
	// that start an hour early avoid "not yet valid" right after creation.
	backdate = time.Hour
)

// CA is llmtap's local certificate authority: a key made on first use in the data
// folder, unique to this installation, that signs the certificates llmtap shows to
// clients for the hosts it decrypts. Clients trust it once (see the trust helpers in
// package app). A CA is safe for concurrent use.
type CA struct {
	cert     *x509.Certificate
	key      *ecdsa.PrivateKey
	certPEM  []byte
	certPath string
	created  bool

	leaves leafCache
}

// LoadOrCreateCA opens the CA stored in dir (ca.pem and ca-key.pem), or creates a
// new one there when neither file exists: an ECDSA P-256 key from crypto/rand (the
// key file gets mode 0600), valid for 10 years, named "llmtap local CA (HOSTNAME)".
// A CA that cannot be loaded (a missing half, a corrupt or mismatched key, expired)
// is an error: it is never replaced, since the user may have trusted it.
func LoadOrCreateCA(dir string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, caCertFile), filepath.Join(dir, caKeyFile)
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	certMissing, keyMissing := errors.Is(certErr, fs.ErrNotExist), errors.Is(keyErr, fs.ErrNotExist)
	switch {
	case certMissing && keyMissing:
		return createCA(dir)
	case certMissing || keyMissing:
		missing, other := certPath, keyPath
		if keyMissing {
			missing, other = keyPath, certPath
		}
		return nil, fmt.Errorf("load CA: %s is missing but %s exists; restore it, or delete %s to make a new CA (and trust the new one)",
			missing, other, other)
	case certErr != nil:
		return nil, fmt.Errorf("load CA: %w", certErr)
	case keyErr != nil:
		return nil, fmt.Errorf("load CA: %w", keyErr)
	}
	ca, err := parseCA(certPEM, keyPEM, time.Now())
	if err != nil {
		return nil, fmt.Errorf("load CA from %s: %w; fix or delete %s and %s to make a new CA (and trust the new one)",
			dir, err, certPath, keyPath)
	}
	ca.certPath = certPath
	return ca, nil
}

// parseCA checks that certPEM and keyPEM are a usable CA pair at now.
func parseCA(certPEM, keyPEM []byte, now time.Time) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("ca.pem holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse ca.pem: %w", err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("ca-key.pem holds no PEM key")
	}
	key, err := parseECKey(kb)
	if err != nil {
		return nil, fmt.Errorf("parse ca-key.pem: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	switch {
	case !ok || !pub.Equal(&key.PublicKey):
		return nil, errors.New("ca-key.pem does not match ca.pem")
	case !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, errors.New("ca.pem is not a CA certificate")
	case now.After(cert.NotAfter):
		return nil, fmt.Errorf("ca.pem expired on %s", cert.NotAfter.Format(time.DateOnly))
	}
	return &CA{cert: cert, key: key, certPEM: pem.EncodeToMemory(cb)}, nil
}

func parseECKey(b *pem.Block) (*ecdsa.PrivateKey, error) {
	switch b.Type {
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, err
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is %T, want ECDSA", k)
		}
		return ec, nil
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", b.Type)
	}
}

// createCA makes a fresh CA and writes it to dir.
func createCA(dir string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("create CA key: %w", err)
	}
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: caName(), Organization: []string{"llmtap"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true, // it signs leaves only, never another CA
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse new CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode CA key: %w", err)
	}
	ca := &CA{
		cert:     cert,
		key:      key,
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		certPath: filepath.Join(dir, caCertFile),
		created:  true,
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create CA folder %q: %w", dir, err)
	}
	// The key goes first: a crash between the two leaves a key without a
	// certificate, which LoadOrCreateCA reports instead of silently replacing.
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := writeFileAtomic(filepath.Join(dir, caKeyFile), keyPEM, 0o600); err != nil {
		return nil, err
	}
	// The certificate is public, but the data folder is private throughout (issue 11).
	if err := writeFileAtomic(ca.certPath, ca.certPEM, 0o600); err != nil {
		return nil, err
	}
	return ca, nil
}

// writeFileAtomic writes data to path through a temporary file in the same folder,
// so a reader never sees half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(mode) // before any byte of a key is written
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func caName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "llmtap local CA"
	}
	return "llmtap local CA (" + h + ")"
}

// randSerial returns a random positive 128-bit serial number (RFC 5280 allows 20 bytes).
func randSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("make certificate serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// Certificate returns the CA certificate. The caller must not modify it.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// CertPEM returns the CA certificate in PEM form, as stored in ca.pem. The caller
// owns the returned slice.
func (ca *CA) CertPEM() []byte { return append([]byte(nil), ca.certPEM...) }

// CertPath is the path of ca.pem, the file clients are told to trust.
func (ca *CA) CertPath() string { return ca.certPath }

// Created reports whether LoadOrCreateCA made this CA just now, so that the caller
// can tell the user to trust it.
func (ca *CA) Created() bool { return ca.created }
