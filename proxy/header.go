package proxy

import (
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// newTransport returns Config.Transport's default: http.DefaultTransport's dialer and
// TLS settings, tuned for many concurrent requests to a few hosts.
func newTransport() *http.Transport {
	return &http.Transport{
		// No proxy from the environment: the app may point the system proxy at
		// llmtap itself. Callers who need an outbound proxy pass their own Transport.
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64, // the default 2 makes parallel agents redial constantly
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// Expect: 100-continue is dropped before forwarding (the body is already
		// read), so this only covers a caller-added header.
		ExpectContinueTimeout: 1 * time.Second,
		// The body is relayed as the upstream encoded it; decoding happens later.
		DisableCompression: true,
		// No ResponseHeaderTimeout: a non-streaming reasoning model can think for
		// minutes before the first header.
	}
}

// hopHeaders are hop-by-hop headers (RFC 9110 section 7.6.1), dropped both ways, in
// canonical form. Every Proxy-* header is dropped as well.
var hopHeaders = []string{
	"Connection",
	"Keep-Alive",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// removeHopByHop deletes hop-by-hop headers from h in place, including those named
// by its Connection header.
func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = textproto.TrimString(tok); tok != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(tok))
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
	for k := range h {
		if strings.HasPrefix(k, "Proxy-") {
			delete(h, k)
		}
	}
}

// outboundHeader returns the headers to send upstream for the client's headers in:
// every end-to-end header untouched, hop-by-hop ones and Expect dropped. The value
// slices are shared with in; neither side modifies them.
func outboundHeader(in http.Header) http.Header {
	h := make(http.Header, len(in)+2)
	for k, v := range in {
		h[k] = v
	}
	removeHopByHop(h)
	// The body is already read in full, so waiting for 100 Continue only adds a
	// round trip (or ExpectContinueTimeout when the upstream ignores it).
	delete(h, "Expect")
	return h
}

// setTransportDefaults stops the Go transport from changing the request: without
// them it adds "Accept-Encoding: gzip" (and then decodes the body, so the client
// would not get the upstream's bytes) and its own User-Agent.
func setTransportDefaults(h http.Header) {
	if _, ok := h["Accept-Encoding"]; !ok {
		h["Accept-Encoding"] = []string{"identity"}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""}
	}
}

// isStream reports whether a response should be flushed after every write: server-sent
// events, NDJSON (Ollama) and bodies of unknown length.
func isStream(resp *http.Response) bool {
	if resp.ContentLength == -1 {
		return true
	}
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	ct = strings.TrimSpace(ct)
	return strings.EqualFold(ct, "text/event-stream") || strings.EqualFold(ct, "application/x-ndjson")
}
