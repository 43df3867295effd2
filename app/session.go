package app

import (
	"net/http"
	"strings"
)

// sessionHeaders name a client session, lowercased: generic ones and those coding
// agents send (Claude Code sends x-claude-code-session-id).
var sessionHeaders = []string{"x-session-id", "session_id", "session-id", "x-claude-code-session-id"}

// sessionFromHeaders returns the client's session ID from request headers, or "".
// Keys are compared case-insensitively: "session_id" has an underscore, which Go's
// header canonicalisation leaves alone, so a plain Get may miss it.
func sessionFromHeaders(h http.Header) string {
	for _, want := range sessionHeaders {
		for k, v := range h {
			if strings.EqualFold(k, want) && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
				return strings.TrimSpace(v[0])
			}
		}
	}
	return ""
}
