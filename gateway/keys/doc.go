// Package keys is the gateway's door: forward keys (lt-…) that clients use in place
// of the real provider keys, the models each may use, when it expires, and its
// request and token limits (issue 13, "Forward keys and limits").
//
// A Guard checks each request (Check), counts the tokens its answer used (Record,
// or Reserve while a stream runs) and writes refusals in the client's dialect
// (Respond). It keeps no real key and never reports a forward key itself: a key is
// named by its KeyID (the configured name, or a short hash).
//
// It imports the standard library only: no llmtap package, no store.
package keys
