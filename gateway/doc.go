// Package gateway is llmtap's model gateway (issue 13): it reads providers.yaml,
// routes a request to a provider by the model it names (exact names, globs,
// aliases, cross-model fallbacks), picks one of the provider's keys by the
// configured strategy, fails over on dead keys and provider outages, and keeps
// per-provider and per-key statistics (GET /api/providers, GET /metrics).
//
// The proxy consults a Gateway for origin-form requests that name no host or route
// (see proxy.Gateway); the Gateway then carries the request as an
// http.RoundTripper, so the proxy relays and captures it as any other. Translation
// between dialects is a Translator given in Config; forward keys, limits and the
// response cache hook in through Config.Auth and Metrics.CacheHit.
//
// gateway may import dataset (dialect detection), never store, proxy or app.
package gateway
