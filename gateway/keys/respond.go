package keys

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
)

// DialectAnthropic selects Anthropic's error shape in Respond; any other dialect
// gets OpenAI's, which OpenAI-compatible SDKs show to the user.
const DialectAnthropic = "anthropic"

// openaiError is {"error":{"message","type","code"}}.
type openaiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code"`
	} `json:"error"`
}

// anthropicError is {"type":"error","error":{"type","message"}}.
type anthropicError struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// Respond answers a refused request with v's status and reason in the error shape
// of dialect (DialectAnthropic, or OpenAI's for anything else), with Retry-After
// in whole seconds (at least 1) on a 429.
func Respond(w http.ResponseWriter, v Verdict, dialect string) {
	var body any
	if dialect == DialectAnthropic {
		var e anthropicError
		e.Type, e.Error.Type, e.Error.Message = "error", anthropicType(v.Status), v.Reason
		body = e
	} else {
		var e openaiError
		e.Error.Message, e.Error.Type, e.Error.Code = v.Reason, openaiType(v), v.Code
		body = e
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Llmtap-Error", v.Code)
	if v.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(v.RetryAfter.Seconds())))))
	}
	w.WriteHeader(v.Status)
	_, _ = w.Write(b)
}

// anthropicType is the error type Anthropic's API gives for status.
func anthropicType(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	}
	return "api_error"
}

// openaiType is the error type OpenAI's API gives: "requests" or "tokens" for a
// rate limit, invalid_request_error for a key or a model.
func openaiType(v Verdict) string {
	switch v.Code {
	case "requests_per_minute":
		return "requests"
	case "tokens_per_minute", "tokens_per_day":
		return "tokens"
	}
	return "invalid_request_error"
}
