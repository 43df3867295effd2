package proxy_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

func TestMITMDestinationLimits(t *testing.T) {
	var reached atomic.Int32
	up := guardedUpstream(t, &reached, nil) // on loopback, not a capture host
	upURL, _ := url.Parse(up)
	port, _ := strconv.Atoi(upURL.Port())
	viaLocalhost := "localhost:" + upURL.Port() // a name: refused on the address it resolves to
	tests := []struct {
		name    string
		mitm    proxy.MITMConfig
		method  string
		target  string
		wantOK  bool
		wantMsg string // in the refusal
	}{
		{"connect_loopback_refused", proxy.MITMConfig{}, http.MethodConnect, upURL.Host, false, "destination_refused"},
		{"absolute_loopback_refused", proxy.MITMConfig{}, http.MethodGet, up + "/v1/models", false, "destination_refused"},
		{"connect_port_allowed_still_private", proxy.MITMConfig{AllowPorts: []int{port}}, http.MethodConnect, upURL.Host, false, "private"},
		{"connect_name_resolving_to_loopback", proxy.MITMConfig{AllowPorts: []int{port}}, http.MethodConnect, viaLocalhost, false, ""},
		{"absolute_name_resolving_to_loopback", proxy.MITMConfig{AllowPorts: []int{port}}, http.MethodGet, "http://" + viaLocalhost + "/v1/models", false, ""},
		{"connect_opted_in", proxy.MITMConfig{AllowPorts: []int{port}, AllowPrivate: true}, http.MethodConnect, upURL.Host, true, ""},
		{"absolute_opted_in", proxy.MITMConfig{AllowDestinations: []string{"127.0.0.1/8"}}, http.MethodGet, up + "/v1/models", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached.Store(0)
			mc := tt.mitm
			mc.CA = loadCA(t, t.TempDir())
			px, _, _ := startProxy(t, proxy.Config{MITM: &mc})
			pxURL, _ := url.Parse(px.URL)
			if tt.wantOK {
				// A client that goes through the proxy, tunnel or not.
				tr := &http.Transport{Proxy: http.ProxyURL(pxURL)}
				t.Cleanup(tr.CloseIdleConnections)
				target := tt.target
				if tt.method == http.MethodConnect {
					// Go tunnels https only; a plain-HTTP upstream over a tunnel
					// is what undici does, so send the request by hand.
					target = up + "/v1/models"
					tr.Proxy = nil
					tr.DialContext = tunnelDialer(t, pxURL.Host)
				}
				resp, body := do(t, &http.Client{Transport: tr}, mustRequest(t, http.MethodGet, target))
				if resp.StatusCode != http.StatusOK || reached.Load() != 1 {
					t.Fatalf("GET %s through the proxy = %d %q, upstream reached %d times; want 200 from it", target, resp.StatusCode, body, reached.Load())
				}
				return
			}
			status, body := rawProxyRequest(t, pxURL.Host, tt.method, tt.target)
			if status < 400 || !strings.Contains(body, tt.wantMsg) {
				t.Errorf("%s %s = %d %q, want a refusal containing %q", tt.method, tt.target, status, body, tt.wantMsg)
			}
			if reached.Load() != 0 {
				t.Errorf("refused request reached the upstream")
			}
		})
	}
}

// tunnelDialer returns a DialContext that opens each connection as a CONNECT tunnel
// through the proxy at proxyAddr.
func tunnelDialer(t *testing.T, proxyAddr string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	t.Helper()
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, proxyAddr)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", addr, addr)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil {
			c.Close()
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			c.Close()
			return nil, fmt.Errorf("CONNECT %s: %s", addr, resp.Status)
		}
		return c, nil // the proxy sends nothing more until the client speaks
	}
}
