package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

const (
	// leafValidity is short: leaves live in memory only and are remade on demand.
	leafValidity = 30 * 24 * time.Hour
	// leafRenewBefore is how long before expiry a cached leaf is replaced, so no
	// handshake ever presents a certificate about to lapse.
	leafRenewBefore = 24 * time.Hour
	// maxLeaves bounds the cache; capture hosts are a short list, so eviction is rare.
	maxLeaves = 1024
)

// leafCache is the CA's bounded in-memory cache of leaf certificates by host.
type leafCache struct {
	mu sync.Mutex
	m  map[string]*leafEntry
}

// leafEntry is one host's certificate; ready is closed once cert or err is set,
// so that concurrent handshakes for a new host wait for one key generation.
type leafEntry struct {
	ready chan struct{}
	cert  *tls.Certificate
	err   error
}

// Leaf returns a TLS certificate for host (a DNS name or an IP address, without a
// port) signed by the CA, with the CA certificate as its chain. Certificates are
// made on first use (ECDSA P-256, valid 30 days from an hour ago) and cached in
// memory; concurrent calls for the same host make one. The caller must not modify
// the result.
func (ca *CA) Leaf(host string) (*tls.Certificate, error) {
	host = normalizeLeafHost(host)
	if host == "" {
		return nil, errors.New("leaf certificate: empty host")
	}
	now := time.Now()
	c := &ca.leaves
	c.mu.Lock()
	e := c.m[host]
	if e != nil {
		select {
		case <-e.ready:
			if e.err != nil || now.Add(leafRenewBefore).After(e.cert.Leaf.NotAfter) {
				e = nil // a failure is retried, an old certificate renewed
			}
		default: // being made by another caller: wait for it below
		}
	}
	if e == nil {
		if c.m == nil {
			c.m = make(map[string]*leafEntry)
		}
		if len(c.m) >= maxLeaves {
			for k := range c.m { // any entry: map order is random enough
				delete(c.m, k)
				break
			}
		}
		e = &leafEntry{ready: make(chan struct{})}
		c.m[host] = e
		c.mu.Unlock()
		e.cert, e.err = ca.newLeaf(host, now)
		close(e.ready)
	} else {
		c.mu.Unlock()
	}
	<-e.ready
	return e.cert, e.err
}

// newLeaf makes and signs a server certificate for host.
func (ca *CA) newLeaf(host string, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("leaf key for %s: %w", host, err)
	}
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host, Organization: []string{"llmtap"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter // a leaf must not outlive its issuer
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign leaf for %s: %w", host, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse leaf for %s: %w", host, err)
	}
	return &tls.Certificate{
		Certificate: [][]byte{der, ca.cert.Raw},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// normalizeLeafHost lowercases host and drops IPv6 brackets and a trailing dot.
func normalizeLeafHost(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}
