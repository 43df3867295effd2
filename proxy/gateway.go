package proxy

import (
	"net/http"
	"net/url"
)

// Gateway routes requests by the model they ask for (issue 13; package gateway
// implements it). The proxy consults it for origin-form requests that match no
// host-in-path or named route, once their body is read, and relays and captures
// what it answers like any other upstream's reply.
type Gateway interface {
	// Route returns the RoundTripper that carries r (whose body is body) to a
	// provider, or nil. With nil, answered says whether Route wrote the answer to w
	// itself (a model list, an unknown model's 404); if not, r goes on to Target, or
	// gets the proxy's 404. hasTarget tells whether there is a Target. The
	// RoundTripper's response carries the provider's URL in resp.Request and its
	// name in X-Llmtap-Provider; the capture records both.
	Route(w http.ResponseWriter, r *http.Request, body []byte, hasTarget bool) (rt http.RoundTripper, answered bool)
}

// gatewayURL stands for the upstream of a gateway request until the gateway has
// picked its provider.
var gatewayURL = &url.URL{Scheme: "http", Host: "gateway.llmtap.invalid", Path: "/"}

// serveGateway reads r's body and lets the gateway route it; target is where r goes
// when the gateway leaves it (nil: nowhere).
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request, target *url.URL) {
	up := target
	if up == nil {
		up = joinURL(gatewayURL, r.URL.EscapedPath(), r.URL.RawQuery)
	}
	ex, sec := s.newExchange(r, up, "gateway")
	body, err := s.readBodyInTime(w, r)
	if err != nil {
		s.bodyError(w, r, ex, sec, err)
		return
	}
	rt, answered := s.gateway.Route(w, r, body, target != nil)
	switch {
	case rt != nil:
		s.send(w, r, up, ex, sec, body, rt, true)
	case answered:
	case target != nil:
		if ex != nil {
			ex.Route = "target"
		}
		s.send(w, r, up, ex, sec, body, s.transport, false)
	default:
		s.unknownRoute(w, r)
	}
}

// gatewayRouted records in ex where the gateway sent the request: the provider's
// URL (redacted) and name. The keys it used never reach ex: its headers were
// copied before the gateway swapped them.
func gatewayRouted(ex *Exchange, resp *http.Response, sec *secrets) {
	if ex == nil {
		return
	}
	if name := resp.Header.Get("X-Llmtap-Provider"); name != "" {
		ex.Route = "gateway:" + name
	}
	if resp.Request != nil && resp.Request.URL != nil {
		u := resp.Request.URL
		ex.URL, ex.Host, ex.Path = redactURL(u, sec), u.Host, u.Path
	}
}
