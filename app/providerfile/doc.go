// Package providerfile is the providers file (providers.yaml, docs/gateway.md) as the
// UI reads and edits it: GET and PUT /api/providers/config, POST
// /api/providers/config/providers (the "add a provider" form). Literal keys are
// masked on the way out and put back on the way in; a file the gateway's own parser
// refuses is never written, so the last good one stays in force; writes are atomic
// and mode 0600. Keys typed into the form go to the OS keychain when there is one,
// and the file refers to them as ${keychain:NAME}, which Getenv resolves for the
// gateway.
//
// It imports gateway (for Parse) and no other llmtap package.
package providerfile
