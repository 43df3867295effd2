package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// anthropicVersion is the API version sent to an Anthropic-style upstream when a
// converted request carries none: the one every Messages API client has pinned
// since 2023, and the only one Anthropic documents as current.
const anthropicVersion = "2023-06-01"

// convertAuth rewrites a request's credentials into the form its upstream dialect
// expects, for clients that paste one key everywhere as "Authorization: Bearer
// KEY" (as the Python proxy llmtap replaces allowed, issue 15):
//
//   - Anthropic-style paths (/v1/messages and below it, as Anthropic, Moonshot's
//     and DeepSeek's .../anthropic/v1/messages serve it): the key goes as
//     x-api-key, and anthropic-version is added when missing;
//   - Gemini's native AI Studio paths (.../models/M:generateContent and the like):
//     the key goes as x-goog-api-key.
//
// The client's own headers win: nothing changes when x-api-key (Anthropic), or
// x-goog-api-key or a ?key= parameter (Gemini), is already there. Tokens that are
// OAuth access tokens are left as Bearer, since the upstream takes them only there:
// Claude subscriptions (sk-ant-oat…) and Google Cloud (ya29.…, and every Vertex AI
// path). h is the outbound copy; the caller redacts its captured clone afterwards.
func convertAuth(h http.Header, up *url.URL) {
	scheme, key, ok := strings.Cut(h.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "bearer") || key == "" {
		return
	}
	switch {
	case isAnthropicPath(up.Path):
		if h.Get("X-Api-Key") != "" || strings.HasPrefix(key, "sk-ant-oat") {
			return
		}
		// Anthropic reads a Bearer token as OAuth and refuses an API key there, so the
		// key moves rather than being copied.
		h.Del("Authorization")
		h.Set("X-Api-Key", key)
		if h.Get("Anthropic-Version") == "" {
			h.Set("Anthropic-Version", anthropicVersion)
		}
	case isGeminiNativePath(up.Path):
		if h.Get("X-Goog-Api-Key") != "" || up.Query().Has("key") || strings.HasPrefix(key, "ya29.") {
			return
		}
		h.Del("Authorization")
		h.Set("X-Goog-Api-Key", key)
	}
}

// isAnthropicPath reports whether path is the Messages API or one of its sub-paths
// (count_tokens, batches), under any prefix ("/anthropic/v1/messages").
func isAnthropicPath(path string) bool {
	if dataset.DetectDialect(http.MethodPost, path) == dataset.Anthropic {
		return true
	}
	return strings.Contains(path, "/v1/messages/")
}

// isGeminiNativePath reports whether path is a Gemini AI Studio model method
// (/v1beta/models/M:generateContent, :streamGenerateContent, :countTokens,
// :embedContent, ...). Vertex AI paths (/v1/projects/...) authenticate with OAuth
// and are excluded.
func isGeminiNativePath(path string) bool {
	if strings.Contains(path, "/projects/") {
		return false
	}
	i := strings.Index(path, "/models/")
	if i < 0 {
		return false
	}
	ver := path[:i]
	if !strings.HasSuffix(ver, "/v1beta") && !strings.HasSuffix(ver, "/v1") && !strings.HasSuffix(ver, "/v1alpha") {
		return false
	}
	return strings.Contains(path[i+len("/models/"):], ":")
}
