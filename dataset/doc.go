// Package dataset is the conversation model of llmtap and everything that is pure
// about it: one parser per LLM API dialect (request and response bodies, streamed or
// not), stream reassembly, the message identities that threading is built on, and
// the dataset writers (ShareGPT) with their validation.
//
// It has no side effects and imports only the standard library: never net/http,
// database/sql, or another llmtap package. Parsers take bytes; writers take an
// io.Writer.
package dataset
