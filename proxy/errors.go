package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is the OpenAI error shape, which OpenAI-compatible SDKs and most other
// clients show to the user: {"error":{"message":"…","type":"…","code":"…"}}.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    string `json:"code"`
}

// writeError answers with status and an OpenAI-shaped JSON error made by llmtap.
func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	b, err := json.Marshal(apiError{Error: apiErrorBody{Message: msg, Type: typ, Code: code}})
	if err != nil {
		// Marshaling three strings cannot fail.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Llmtap-Error", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
