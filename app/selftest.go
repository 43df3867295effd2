package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/llmtap/llmtap/app/preset"
	"github.com/llmtap/llmtap/store"
)

// SelfTestHost is the capture host the MITM self-test asks when not told another.
const SelfTestHost = "api.openai.com"

// The self-test's modes.
const (
	// SelfTestBase sends a request to the proxy's own address, as a client given
	// llmtap's base URL does: the target or a route takes it upstream.
	SelfTestBase = "base"
	// SelfTestMITM sends an HTTPS request through the proxy in proxy form, as an app
	// using the system proxy does: it needs --mitm and a trusted CA.
	SelfTestMITM = "mitm"
)

// SelfTest is the answer of POST /api/selftest: what happened to one real request
// at each hop between a client and the upstream, and whether it was recorded. It
// sends a model list call, which every API here answers without cost (401 without
// a key is an answer too).
type SelfTest struct {
	Mode string `json:"mode"`
	// URL is what the test asked the proxy for; Upstream where the proxy sent it.
	URL      string `json:"url"`
	Upstream string `json:"upstream,omitempty"`
	// Hops are the steps in order; the test stops at the first that fails.
	Hops []Hop `json:"hops"`

	Host      string `json:"host"`
	MITM      bool   `json:"mitm"`
	CATrusted bool   `json:"caTrusted"`
	Captured  bool   `json:"captured"`
	Status    int    `json:"status"` // what came back through the proxy
	// Problem says what failed and what to do about it; "" when all is well.
	Problem string `json:"problem,omitempty"`
}

// Hop is one step of a self-test.
type Hop struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// hop appends a step; a failed one sets the Problem, and hop reports ok.
func (st *SelfTest) hop(name string, ok bool, detail string) bool {
	st.Hops = append(st.Hops, Hop{Name: name, OK: ok, Detail: detail})
	if !ok && st.Problem == "" {
		st.Problem = detail
	}
	return ok
}

// SelfTest runs the test in mode ("" picks base mode unless MITM is on and nothing
// routes plain paths). In base mode path is the call to make ("" → the model list of
// the target's preset, or /v1/models); in MITM mode host is the capture host ("" →
// SelfTestHost).
func (a *App) SelfTest(ctx context.Context, mode, path, host string) SelfTest {
	if mode == "" {
		mode = SelfTestBase
		if a.mitm != nil && a.proxy.Target() == "" && len(a.cfg.Routes) == 0 {
			mode = SelfTestMITM
		}
	}
	st := SelfTest{Mode: mode, MITM: a.mitm != nil}
	proxyRoot := "http://" + a.ProxyAddr()
	if e := a.ProxyError(); e != "" {
		st.hop("Proxy reachable", false, "the proxy is not listening: "+e)
		return st
	}
	if err := a.pingProxy(ctx, proxyRoot); err != nil {
		st.hop("Proxy reachable", false, err.Error())
		return st
	}
	st.hop("Proxy reachable", true, "listening on "+a.ProxyAddr())
	if mode == SelfTestMITM {
		a.selfTestMITM(ctx, &st, proxyRoot, host)
	} else {
		a.selfTestBase(ctx, &st, proxyRoot, path)
	}
	return st
}

// pingProxy asks the proxy's own /healthz.
func (a *App) pingProxy(ctx context.Context, root string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return fmt.Errorf("the proxy does not answer on %s: %w", root, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the proxy answered /healthz with HTTP %d", resp.StatusCode)
	}
	return nil
}

// selfTestPath is the call base mode makes: the model list of what the target or
// the first route (by name) talks to.
func (a *App) selfTestPath() string {
	models := "/v1/models"
	if p, ok := preset.ForTarget(a.proxy.Target()); ok {
		models = p.ModelsPath
	}
	if a.proxy.Target() != "" || len(a.cfg.Routes) == 0 {
		return models
	}
	names := make([]string, 0, len(a.cfg.Routes))
	for n := range a.cfg.Routes {
		names = append(names, n)
	}
	slices.Sort(names)
	if p, ok := preset.ForTarget(a.cfg.Routes[names[0]]); ok {
		return "/" + names[0] + p.ModelsPath
	}
	return "/" + names[0] + "/models" // a route's base URL usually ends in /v1
}

func (a *App) selfTestBase(ctx context.Context, st *SelfTest, root, path string) {
	if path == "" {
		path = a.selfTestPath()
	}
	st.URL = root + path
	up, route, ok := a.proxy.Resolve(path)
	if !st.hop("Route resolved", ok, fmt.Sprintf("nothing routes %s: no target is set. Pick your provider on the "+
		"first page (or set Target in Settings), or call a route as /NAME/…", path)) {
		return
	}
	st.Upstream = up
	st.Hops[len(st.Hops)-1].Detail = fmt.Sprintf("%s → %s (%s)", path, up, route)
	u, _ := url.Parse(up) // Resolve made it
	st.Host = u.Host
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	a.selfTestSend(ctx, st, client, st.URL, u.Host)
}

// selfTestSend sends GET url with client, then waits for its capture.
func (a *App) selfTestSend(ctx context.Context, st *SelfTest, client *http.Client, rawURL, host string) {
	started := time.Now().Add(-time.Second) // millisecond storage rounds down
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		st.hop("Upstream answered", false, err.Error())
		return
	}
	req.Header.Set("User-Agent", "llmtap-selftest")
	resp, err := client.Do(req)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		var verify *tls.CertificateVerificationError
		if errors.As(err, &unknown) || errors.As(err, &verify) {
			st.hop("CA trusted", false, "this machine does not trust llmtap's CA yet: run `llmtap ca trust` (or see `llmtap ca trust-commands`)")
			return
		}
		st.hop("Upstream answered", false, fmt.Sprintf("could not reach %s through the proxy: %v", host, err))
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if st.Mode == SelfTestMITM {
		st.CATrusted = true
		st.hop("CA trusted", true, "the proxy's certificate for "+host+" is trusted")
	}
	st.Status = resp.StatusCode
	if code := resp.Header.Get("X-Llmtap-Error"); code != "" {
		// llmtap answered itself: the upstream never did (unreachable, refused).
		st.hop("Upstream answered", false, fmt.Sprintf("llmtap answered HTTP %d (%s): %s", resp.StatusCode, code, errorMessage(body)))
	} else if resp.StatusCode == http.StatusNotFound {
		// Every API here has this call: a 404 means the path went wrong on the way,
		// most often a target that ends in /v1 while clients add /v1 again.
		st.hop("Upstream answered", false, fmt.Sprintf("%s answered HTTP 404 for %s: check the target's path "+
			"(a base URL ending in /v1 while clients add /v1 again?)", host, st.Upstream))
	} else {
		detail := fmt.Sprintf("%s answered HTTP %d", host, resp.StatusCode)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			detail += " (it wants a key: your client sends one; the way through works)"
		}
		st.hop("Upstream answered", true, detail)
	}
	st.Captured = a.waitForCapture(ctx, host, started)
	switch {
	case st.Captured:
		st.hop("Captured", true, "recorded: it is in Exchanges")
	case a.Capturing() && a.rec.Status().Queued > 0:
		// Durable in the capture log (the proxy hands it off before the last byte),
		// and the indexer is behind: it shows in Exchanges once stored.
		st.Captured = true
		st.hop("Captured", true, "recorded in the capture log; the database is catching up")
	case !a.Capturing():
		st.hop("Captured", false, "not recorded: capture is switched off (turn it on in the header)")
	default:
		st.hop("Captured", false, "the request went through but was not recorded: is capture switched off?")
	}
}

// errorMessage is the message of an OpenAI-shaped error body, or the body itself.
func errorMessage(body []byte) string {
	s := string(body)
	if i := strings.Index(s, `"message":"`); i >= 0 {
		s = s[i+len(`"message":"`):]
		if j := strings.Index(s, `","`); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

func (a *App) selfTestMITM(ctx context.Context, st *SelfTest, root, host string) {
	if host == "" {
		host = SelfTestHost
	}
	st.Host = host
	st.URL = "https://" + host + "/v1/models"
	st.Upstream = st.URL
	if a.mitm == nil {
		st.hop("MITM on", false, "MITM mode is off: start llmtap with --mitm (or turn it on in the settings) "+
			"to capture apps through the system proxy")
		return
	}
	st.hop("MITM on", true, "HTTPS to capture hosts is decrypted")
	proxyURL, _ := url.Parse(root)
	client := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			Proxy:             http.ProxyURL(proxyURL),
			DisableKeepAlives: true,
			// nil RootCAs is the OS trust store: the same one the person's apps use.
			TLSClientConfig: &tls.Config{RootCAs: a.cfg.SelfTestRoots},
		},
	}
	a.selfTestSend(ctx, st, client, st.URL, host)
}

// waitForCapture looks for an exchange with host, started at or after since, for a
// few seconds: the indexer stores captures after the client has its answer.
func (a *App) waitForCapture(ctx context.Context, host string, since time.Time) bool {
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
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
		Mode string `json:"mode"`
		Path string `json:"path"`
		Host string `json:"host"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	switch body.Mode {
	case "", SelfTestBase, SelfTestMITM:
	default:
		return nil, badRequest("mode %q: must be base or mitm", body.Mode)
	}
	if body.Path != "" && !strings.HasPrefix(body.Path, "/") {
		return nil, badRequest("path %q: must start with /", body.Path)
	}
	return a.SelfTest(r.Context(), body.Mode, body.Path, body.Host), nil
}
