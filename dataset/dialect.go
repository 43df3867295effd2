package dataset

import "strings"

// Dialect names an LLM API wire format.
type Dialect string

// The dialects llmtap recognises. Unknown traffic is still stored as an exchange.
const (
	Unknown    Dialect = ""
	OpenAIChat Dialect = "openai-chat"
)

// DetectDialect tells which API dialect a request path speaks. It looks only at the
// path's suffix, so route prefixes ("/deepseek/v1/chat/completions") do not matter.
func DetectDialect(method, path string) Dialect {
	if method != "POST" {
		return Unknown
	}
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return OpenAIChat
	}
	return Unknown
}
