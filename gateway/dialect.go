package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// The kinds a provider (or a client's dialect) may be.
const (
	KindOpenAI    = "openai"
	KindAzure     = "azure"
	KindAnthropic = "anthropic"
	KindGemini    = "gemini"
	KindOllama    = "ollama"
)

// family is the wire dialect of a kind: azure speaks OpenAI's.
func family(kind string) string {
	if kind == KindAzure {
		return KindOpenAI
	}
	return kind
}

// clientKind tells which dialect a request to the proxy speaks, from its path, and
// the path relative to a provider's base URL; ok is false for paths the gateway
// does not route (the request then goes on as before).
func clientKind(method, p string) (kind, rel string, ok bool) {
	if method != http.MethodPost {
		return "", "", false
	}
	switch dataset.DetectDialect(method, p) {
	case dataset.OpenAIChat, dataset.OpenAICompletions, dataset.OpenAIResponses:
		return KindOpenAI, strings.TrimPrefix(p, "/v1"), true
	case dataset.Anthropic:
		return KindAnthropic, strings.TrimPrefix(p, "/v1"), true
	case dataset.Gemini:
		for _, v := range []string{"/v1beta", "/v1alpha", "/v1"} {
			if strings.HasPrefix(p, v+"/") {
				return KindGemini, p[len(v):], true
			}
		}
		return KindGemini, p, true
	case dataset.OllamaChat, dataset.OllamaGenerate:
		return KindOllama, p, true
	}
	if strings.HasSuffix(p, "/embeddings") {
		return KindOpenAI, strings.TrimPrefix(p, "/v1"), true
	}
	return "", "", false
}

// reqInfo is what the gateway reads from a request body.
type reqInfo struct {
	Model  string `json:"model"`
	Stream *bool  `json:"stream"`
}

// readRequest returns the model a request names and whether it asks for a stream.
func readRequest(kind, p string, body []byte) (model string, stream bool) {
	if kind == KindGemini {
		return dataset.GeminiModelFromPath(p), strings.Contains(p, ":streamGenerateContent")
	}
	ri, ok := readReqInfo(body)
	if !ok {
		return "", false
	}
	if kind == KindOllama {
		return ri.Model, ri.Stream == nil || *ri.Stream // Ollama streams unless told not to
	}
	return ri.Model, ri.Stream != nil && *ri.Stream
}

var reqInfoFields = []string{"model", "stream"}

// readReqInfo reads reqInfo from a body that is a JSON object, as json.Unmarshal
// does; ok is false for any other body. A long history made json.Unmarshal most of
// a routed request's cost here (it checks the whole body before it decodes), so
// dataset.JSONLexer reads it in one pass, and json.Unmarshal takes what the lexer
// refuses (FuzzReadReqInfo holds the two to the same result).
func readReqInfo(body []byte) (ri reqInfo, ok bool) {
	if len(body) == 0 || body[0] != '{' {
		return ri, false
	}
	var x dataset.JSONLexer
	x.Reset(body)
	if x.Object(reqInfoFields, func(k int) bool {
		if k == 0 {
			return x.String(&ri.Model)
		}
		if x.Null() {
			ri.Stream = nil
			return true
		}
		ri.Stream = new(bool)
		return x.Bool(ri.Stream)
	}) && x.End() {
		return ri, true
	}
	ri = reqInfo{}
	if json.Unmarshal(body, &ri) != nil {
		return reqInfo{}, false
	}
	return ri, true
}

// setModel returns body with its top-level "model" string replaced by model. A body
// without one (or that is not a JSON object) is returned as it is.
func setModel(body []byte, model string) []byte {
	start, end, ok := modelSpan(body)
	if !ok {
		return body
	}
	q, _ := json.Marshal(model)
	out := make([]byte, 0, len(body)-(end-start)+len(q))
	out = append(out, body[:start]...)
	out = append(out, q...)
	return append(out, body[end:]...)
}

// modelSpan finds the byte span of the top-level "model" string value.
func modelSpan(body []byte) (start, end int, ok bool) {
	if start, end, ok, sure := lexModelSpan(body); sure {
		return start, end, ok
	}
	return decodeModelSpan(body)
}

var modelField = []string{"model"}

// lexModelSpan is modelSpan read with dataset.JSONLexer, one pass up to the
// model (OpenAI's SDKs put it after the messages) instead of json.Decoder's
// tokens and values; sure is false where the lexer refuses what json.Decoder
// might read (decodeModelSpan then decides). FuzzModelSpan holds the two to the
// same span.
func lexModelSpan(body []byte) (start, end int, ok, sure bool) {
	var x dataset.JSONLexer
	x.Reset(body)
	found := false
	whole := x.Object(modelField, func(int) bool {
		if x.Peek() != '"' {
			return false // json.Decoder goes on to a later "model" key
		}
		start = x.Offset()
		if _, ok := x.Value(); !ok {
			return false
		}
		end, found = x.Offset(), true
		return false // the first model string is the one
	})
	switch {
	case found:
		return start, end, true, true
	case whole:
		return 0, 0, false, true // an object without a model
	}
	return 0, 0, false, false
}

// decodeModelSpan is modelSpan read with json.Decoder.
func decodeModelSpan(body []byte) (start, end int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		k, _ := t.(string)
		before := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, 0, false
		}
		after := int(dec.InputOffset())
		if k == "model" && len(raw) > 0 && raw[0] == '"' {
			// The value ends at after; it starts at the first quote past the colon.
			i := bytes.IndexByte(body[before:after], '"')
			if i < 0 {
				return 0, 0, false
			}
			return before + i, after, true
		}
	}
	return 0, 0, false
}

// setGeminiModel replaces the model a Gemini path names.
func setGeminiModel(rel, model string) string {
	i := strings.Index(rel, "/models/")
	if i < 0 {
		return rel
	}
	rest := rel[i+len("/models/"):]
	j := strings.IndexByte(rest, ':')
	if j < 0 {
		return rel
	}
	return rel[:i+len("/models/")] + model + rest[j:]
}

// credentialHeaders are the client's credentials: a provider never sees them.
var credentialHeaders = []string{"Authorization", "X-Api-Key", "Api-Key", "X-Goog-Api-Key"}

// setAuth puts key on h (and u) the way the provider kind expects it, after removing
// whatever credentials the client sent.
func setAuth(kind string, h http.Header, u *url.URL, key string) {
	for _, k := range credentialHeaders {
		h.Del(k)
	}
	if u.RawQuery != "" { // parsing an empty query would still allocate
		if q := u.Query(); q.Has("key") {
			q.Del("key")
			u.RawQuery = q.Encode()
		}
	}
	if key == "" {
		return
	}
	switch kind {
	case KindAzure:
		h.Set("Api-Key", key)
	case KindAnthropic:
		h.Set("X-Api-Key", key)
		if h.Get("Anthropic-Version") == "" {
			h.Set("Anthropic-Version", "2023-06-01")
		}
	case KindGemini:
		h.Set("X-Goog-Api-Key", key)
	default:
		h.Set("Authorization", "Bearer "+key)
	}
}

// providerBase normalises a base URL so that paths relative to the API version
// append to it: an Anthropic base gets /v1 and a Gemini base /v1beta when they
// lack a version, so both the SDKs' bases and the versioned ones work.
func providerBase(kind string, u *url.URL) *url.URL {
	b := *u
	p := strings.TrimSuffix(b.Path, "/")
	switch kind {
	case KindAnthropic:
		if !strings.HasSuffix(p, "/v1") {
			p += "/v1"
		}
	case KindGemini:
		if !strings.HasSuffix(p, "/v1beta") && !strings.HasSuffix(p, "/v1") && !strings.HasSuffix(p, "/v1alpha") {
			p += "/v1beta"
		}
	}
	b.Path, b.RawPath = p, ""
	return &b
}

// joinURL appends rel (a path with an optional query) to base, merging queries.
func joinURL(base *url.URL, rel string) *url.URL {
	u := *base
	p, q, _ := strings.Cut(rel, "?")
	u.Path = strings.TrimSuffix(base.Path, "/") + p
	u.RawPath = ""
	switch {
	case q == "":
	case u.RawQuery == "":
		u.RawQuery = q
	default:
		u.RawQuery += "&" + q
	}
	return &u
}
