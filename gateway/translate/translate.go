package translate

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The dialect kinds a provider (or a client) speaks. Azure OpenAI has the OpenAI
// body shape; only its URL differs.
const (
	OpenAI    = "openai"
	Azure     = "azure"
	Anthropic = "anthropic"
	Gemini    = "gemini"
	Ollama    = "ollama"
)

// ErrUnsupported is wrapped by the error returned for a pair of kinds, or a piece of
// a request (a content part, a tool type), that cannot be translated.
var ErrUnsupported = errors.New("unsupported translation")

// ErrTruncated is wrapped by StreamTranslator.Close when the provider's stream
// ended before its own end marker (a cut stream); the client got an error event.
var ErrTruncated = errors.New("provider stream ended before its end marker")

// defaultMaxTokens is what an Anthropic request gets when the OpenAI client set no
// limit: Anthropic requires max_tokens, and 8192 is what every Claude model since
// 3.5 can produce (Claude Code asks for more and says so itself). The first Claude
// 3 models stop at 4096 and refuse more.
func defaultMaxTokens(model string) int {
	if strings.Contains(model, "claude-3-") && !strings.Contains(model, "claude-3-5") && !strings.Contains(model, "claude-3-7") {
		return 4096
	}
	return 8192
}

// maxEventBytes bounds what a stream translator holds for one unfinished provider
// event (or one reasoning block whose signature is still to come), so a provider
// that never ends a line cannot grow memory without limit.
const maxEventBytes = 16 << 20

// Translator rewrites requests, replies and streams between dialects. It holds no
// state between calls and is safe for concurrent use; the zero value is not
// ready, use New.
type Translator struct {
	now   func() time.Time
	newID func(prefix string) string
}

// New returns a Translator that stamps translated replies with the current time and
// random IDs where the provider gave none.
func New() *Translator {
	return &Translator{now: time.Now, newID: randomID}
}

func randomID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// family folds azure into openai: the bodies are the same.
func family(kind string) string {
	if kind == Azure {
		return OpenAI
	}
	return kind
}

func unsupportedPair(clientKind, providerKind string) error {
	return fmt.Errorf("translate %s client to %s provider: %w", clientKind, providerKind, ErrUnsupported)
}

// Request rewrites a client's request body (in clientKind's dialect) for a provider
// of providerKind, for the given provider model. It returns the provider body and
// the path to append to the provider's base_url. When the kinds have the same body
// shape the body is returned unchanged.
func (t *Translator) Request(clientKind, providerKind, model string, body []byte, stream bool) (out []byte, path string, err error) {
	c, p := family(clientKind), family(providerKind)
	if c == p {
		path, err := nativePath(p, model, stream)
		return body, path, err
	}
	switch {
	case c == OpenAI && p == Anthropic:
		out, err = openaiToAnthropicRequest(body, model, stream)
		return out, "/messages", err
	case c == OpenAI && p == Gemini:
		out, err = openaiToGeminiRequest(body)
		return out, geminiPath(model, stream), err
	case c == OpenAI && p == Ollama:
		out, err = openaiToOllamaRequest(body, model, stream)
		return out, "/api/chat", err
	case c == Anthropic && p == OpenAI:
		out, err = anthropicToOpenAIRequest(body, model, stream)
		return out, "/chat/completions", err
	}
	return nil, "", unsupportedPair(clientKind, providerKind)
}

func nativePath(kind, model string, stream bool) (string, error) {
	switch kind {
	case OpenAI:
		return "/chat/completions", nil
	case Anthropic:
		return "/messages", nil
	case Gemini:
		return geminiPath(model, stream), nil
	case Ollama:
		return "/api/chat", nil
	}
	return "", fmt.Errorf("kind %q: %w", kind, ErrUnsupported)
}

func geminiPath(model string, stream bool) string {
	if stream {
		return "/models/" + model + ":streamGenerateContent?alt=sse"
	}
	return "/models/" + model + ":generateContent"
}

// Response rewrites a provider's whole (not streamed) reply body for the client.
// model names the model in the reply when the provider's body does not.
func (t *Translator) Response(clientKind, providerKind, model string, body []byte) ([]byte, error) {
	c, p := family(clientKind), family(providerKind)
	if c == p {
		return body, nil
	}
	switch {
	case c == OpenAI && p == Anthropic:
		return t.anthropicToOpenAIResponse(body, model)
	case c == OpenAI && p == Gemini:
		return t.geminiToOpenAIResponse(body, model)
	case c == OpenAI && p == Ollama:
		return t.ollamaToOpenAIResponse(body, model)
	case c == Anthropic && p == OpenAI:
		return t.openaiToAnthropicResponse(body, model)
	}
	return nil, unsupportedPair(clientKind, providerKind)
}

// StreamTranslator takes a provider's streamed reply as it arrives and writes the
// client's stream. It is not safe for concurrent use.
type StreamTranslator interface {
	io.Writer
	// Close ends the client's stream cleanly when the provider's stream reached its
	// end marker; otherwise it writes an error event and returns an error wrapping
	// ErrTruncated. Writes after Close or Abort are refused.
	Close() error
	// Abort ends the client's stream with an error event carrying reason, in the
	// client's dialect, so a cut stream never looks like a clean end.
	Abort(reason string) error
}

// Stream returns a StreamTranslator that writes the client's stream to w, flushing
// after each event when w has a Flush method (http.ResponseWriter's, or one
// returning an error). It takes the provider's bytes in any chunking. An
// unsupported pair gives a translator whose Write fails at once and whose Close
// and Abort write the client's error event.
func (t *Translator) Stream(clientKind, providerKind, model string, w io.Writer) StreamTranslator {
	c, p := family(clientKind), family(providerKind)
	if c == OpenAI && p == Anthropic {
		return t.anthropicToOpenAI(w, model)
	}
	out := newEmitter(w, c)
	if c == p {
		return newPassThrough(out, p)
	}
	switch {
	case c == OpenAI && p == Gemini:
		return newSSESource(out, &geminiToOpenAIStream{oa: t.newOAChunker(out, model), newID: t.newID})
	case c == OpenAI && p == Ollama:
		return newNDJSONSource(out, &ollamaToOpenAIStream{oa: t.newOAChunker(out, model), newID: t.newID})
	case c == Anthropic && p == OpenAI:
		return newSSESource(out, &openaiToAnthropicStream{out: out, model: model, newID: t.newID})
	}
	return &refused{out: out, err: unsupportedPair(clientKind, providerKind)}
}

// refused is the StreamTranslator for a pair that cannot be translated.
type refused struct {
	out  *emitter
	err  error
	done bool
}

func (r *refused) Write([]byte) (int, error) { return 0, r.err }
func (r *refused) Close() error              { return errors.Join(r.err, r.Abort(r.err.Error())) }
func (r *refused) Abort(reason string) error {
	if r.done {
		return errClosed
	}
	r.done = true
	return r.out.errorEvent(reason)
}

var errClosed = errors.New("stream translator already closed")
