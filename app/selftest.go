package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/llmtap/llmtap/store"
)

// SelfTestHost is the capture host the self-test asks when not told another.
const SelfTestHost = "api.openai.com"

// SelfTest is the answer of POST /api/selftest: whether an HTTPS client that trusts
// only the OS trust store gets through llmtap to a capture host, and whether the
// exchange was recorded. It works offline too: the proxy presents its certificate
// before it tries the upstream, and an unreachable upstream is recorded as a 502.
type SelfTest struct {
	Host      string `json:"host"`
	MITM      bool   `json:"mitm"`
	CATrusted bool   `json:"caTrusted"`
	Captured  bool   `json:"captured"`
	Status    int    `json:"status"` // what came back through the proxy (401 without a key is fine)
	// Problem says what failed and what to do about it; "" when all is well.
	Problem string `json:"problem,omitempty"`
}

// SelfTest fetches https://host/v1/models through llmtap's own proxy.
func (a *App) SelfTest(ctx context.Context, host string) SelfTest {
	if host == "" {
		host = SelfTestHost
	}
	st := SelfTest{Host: host, MITM: a.mitm != nil}
	switch {
	case a.ProxyError() != "":
		st.Problem = "the proxy is not listening: " + a.ProxyError()
		return st
	case a.mitm == nil:
		st.Problem = "MITM mode is off: start llmtap with --mitm (or turn it on in the settings) to capture apps through the system proxy"
		return st
	}
	proxyURL := &url.URL{Scheme: "http", Host: a.ProxyAddr()}
	client := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			Proxy: http.ProxyURL(proxyURL),
			// nil RootCAs is the OS trust store: the same one the person's apps use.
			TLSClientConfig: &tls.Config{RootCAs: a.cfg.SelfTestRoots},
		},
	}
	started := time.Now().Add(-time.Second) // millisecond storage rounds down
	req, err := http.NewRequestWithContext(ctx, "GET", "https://"+host+"/v1/models", nil)
	if err != nil {
		st.Problem = err.Error()
		return st
	}
	req.Header.Set("User-Agent", "llmtap-selftest")
	resp, err := client.Do(req)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		var verify *tls.CertificateVerificationError
		if errors.As(err, &unknown) || errors.As(err, &verify) {
			st.Problem = "this machine does not trust llmtap's CA yet: run `llmtap ca trust` (or see `llmtap ca trust-commands`)"
		} else {
			st.Problem = fmt.Sprintf("could not reach %s through the proxy: %v", host, err)
		}
		return st
	}
	resp.Body.Close()
	st.CATrusted, st.Status = true, resp.StatusCode
	st.Captured = a.waitForCapture(ctx, host, started)
	if !st.Captured {
		st.Problem = "the request went through but was not recorded: is capture switched off?"
	}
	return st
}

// waitForCapture looks for an exchange with host, started at or after since, for a
// few seconds: the indexer stores captures after the client has its answer.
func (a *App) waitForCapture(ctx context.Context, host string, since time.Time) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		items, _, err := a.db.ListExchanges(ctx, store.ExchangeListOptions{Limit: 20})
		if err == nil {
			for _, e := range items {
				if e.Host == host && !e.Start.Before(since) {
					return true
				}
			}
		}
		progress := a.rec.Progress()
		select {
		case <-progress:
		case <-ctx.Done():
			return false
		}
	}
}

func (a *App) apiSelfTest(r *http.Request) (any, error) {
	var body struct {
		Host string `json:"host"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return a.SelfTest(r.Context(), body.Host), nil
}
