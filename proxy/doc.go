// Package proxy is llmtap's listener: it routes client requests to LLM API upstreams
// (a default target, named routes, and host-in-path for known LLM hosts), relays every
// byte as it arrives, and tees a bounded copy of each exchange, with credentials
// redacted, to a Sink. With Config.MITM it is also an HTTP(S) proxy: goproxy answers
// CONNECT, LLM API hosts are decrypted with llmtap's own CA (ca.go) and their
// requests take the same forward path, and every other host is tunnelled untouched.
//
// It may import dataset (to recognise LLM endpoints) but never store: a slow disk
// must never stall a client.
package proxy
