package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// errorBody is an error answer in the client's dialect: OpenAI's
// {"error":{"message","type","code"}} (also for Ollama clients, which read
// "error" too), Anthropic's {"type":"error","error":{"type","message"}}, or
// Gemini's {"error":{"code","message","status"}}.
func errorBody(kind string, status int, typ, code, msg string) []byte {
	var v any
	switch family(kind) {
	case KindAnthropic:
		v = map[string]any{"type": "error", "error": map[string]string{"type": anthropicType(status, typ), "message": msg}}
	case KindGemini:
		v = map[string]any{"error": map[string]any{"code": status, "message": msg, "status": geminiStatus(status)}}
	default:
		v = map[string]any{"error": map[string]string{"message": msg, "type": typ, "code": code}}
	}
	b, _ := json.Marshal(v) // maps of strings and ints cannot fail
	return b
}

func anthropicType(status int, typ string) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable, 529:
		return "overloaded_error"
	case http.StatusBadRequest:
		return "invalid_request_error"
	}
	return "api_error"
}

func geminiStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	}
	return "UNAVAILABLE"
}

// writeError answers w with an error in the client's dialect (errorResponse,
// written by the gateway itself rather than relayed by the proxy).
func writeError(w http.ResponseWriter, kind string, status int, typ, code, msg string, retryAfter time.Duration) {
	resp := errorResponse(nil, kind, status, typ, code, msg, retryAfter)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	w.WriteHeader(status)
	_, _ = io.Copy(w, resp.Body)
}

// errorResponse is an error in the client's dialect as a response the proxy
// relays (and captures).
func errorResponse(req *http.Request, kind string, status int, typ, code, msg string, retryAfter time.Duration) *http.Response {
	b := errorBody(kind, status, typ, code, msg)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Llmtap-Error", code)
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	return &http.Response{
		Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: req,
	}
}

// streamErrorEvent is the event that ends a cut stream in the client's dialect, so
// the client reports an error instead of taking a truncated answer as complete:
// Anthropic's "event: error", an OpenAI or Gemini data line holding {"error":…},
// or an Ollama NDJSON line {"error":"…"}. fresh says whether the bytes so far end
// at an event boundary; if not, a blank line first closes the broken event.
func streamErrorEvent(kind string, ndjson, fresh bool, msg string) []byte {
	var b bytes.Buffer
	if ndjson {
		if !fresh {
			b.WriteByte('\n')
		}
		j, _ := json.Marshal(map[string]string{"error": msg})
		b.Write(j)
		b.WriteByte('\n')
		return b.Bytes()
	}
	if !fresh {
		b.WriteString("\n\n")
	}
	if family(kind) == KindAnthropic {
		b.WriteString("event: error\n")
	}
	b.WriteString("data: ")
	b.Write(errorBody(kind, http.StatusBadGateway, "upstream_error", "stream_cut", msg))
	b.WriteString("\n\n")
	return b.Bytes()
}
