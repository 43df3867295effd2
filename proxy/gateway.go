package proxy

import (
	"io"
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
	// Routing reports whether Route may route anything (some provider is configured).
	// When not, a request for the Target is forwarded as it is, its body as it arrives.
	Routing() bool
}

// ProviderSide is implemented by the body of a gateway reply when what went to the
// provider differs from what the client sent or gets: a request translated into
// another dialect, or a model name an alias stood for put in. The capture records
// the provider's side, so a conversation is threaded in the provider's own dialect:
// reqBody replaces the client's request body; respHeader and respBody, when
// respHeader is not nil, replace the reply the client got (translated). The proxy
// calls it once the body has been read to its end, and owns what it returns from
// then on (it edits respHeader in place: give it a copy).
type ProviderSide interface {
	ProviderSide() (reqBody []byte, respHeader http.Header, respBody []byte, truncated bool)
}

// ReplyReplacer is implemented by the body of a gateway reply whose ProviderSide
// will replace the captured reply (a translated one): the relay then keeps no copy
// of what the client got, which the capture would only throw away. It is asked
// before the first byte is relayed.
type ReplyReplacer interface {
	ReplacesReply() bool
}

// replacesReply reports whether body's captured reply comes from its ProviderSide.
func replacesReply(body io.Reader) bool {
	r, ok := body.(ReplyReplacer)
	return ok && r.ReplacesReply()
}

// forwardKeyHeader names, on a gateway reply, the forward key that made the
// request (its ID, never the key: gateway/keys.CaptureHeader). The proxy moves it
// to the captured request header, where the capture looks for it.
const forwardKeyHeader = "X-Llmtap-Forward-Key-Id"

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
	if target != nil && !s.gateway.Routing() {
		s.forward(w, r, target, "target")
		return
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
	id := resp.Header.Get(forwardKeyHeader)
	resp.Header.Del(forwardKeyHeader)
	if ex == nil {
		return
	}
	// Only the gateway names the key: a client cannot pass its requests off as
	// another key's.
	ex.ReqHeader.Del(forwardKeyHeader)
	if id != "" {
		ex.ReqHeader.Set(forwardKeyHeader, id)
	}
	if name := resp.Header.Get("X-Llmtap-Provider"); name != "" {
		ex.Route = "gateway:" + name
	}
	if resp.Request != nil && resp.Request.URL != nil {
		u := resp.Request.URL
		ex.URL, ex.Host, ex.Path = redactURL(u, sec), u.Host, u.Path
	}
}

// providerSide records in ex the provider's side of a gateway exchange (see
// ProviderSide), once its reply was relayed.
func (s *Server) providerSide(ex *Exchange, body io.Reader, sec *secrets) {
	ps, ok := body.(ProviderSide)
	if ex == nil || !ok {
		return
	}
	req, h, resp, truncated := ps.ProviderSide()
	ex.ReqBody = capped(req, s.captureLimit, ex)
	if h != nil {
		ex.RespHeader = h // the gateway's copy, ours now (see ProviderSide)
		removeHopByHop(ex.RespHeader)
		redactHeader(ex.RespHeader, sec)
		ex.RespBody = capped(resp, s.captureLimit, ex)
		ex.Truncated = ex.Truncated || truncated
	}
}
