package dataset

import (
	"errors"
	"fmt"
)

// Errors that callers branch on with errors.Is.
var (
	// ErrUnknownDialect is returned by Parse for a dialect it has no parser for.
	ErrUnknownDialect = errors.New("unknown dialect")
	// ErrMalformed wraps failures to decode a request or response body.
	ErrMalformed = errors.New("malformed body")
	// ErrUpstream is returned when the response body is an API error
	// ({"error": ...}, streamed or not) instead of an answer.
	ErrUpstream = errors.New("upstream error")
)

// Parse reads one exchange of dialect d: the request body the client sent and the
// response body it got. An empty respBody gives a Round holding only the history.
// It returns an error wrapping ErrUnknownDialect, ErrMalformed or ErrUpstream; to keep
// the history of an exchange that failed upstream, parse it again with a nil respBody.
func Parse(d Dialect, reqBody, respBody []byte) (*Round, error) {
	switch d {
	case OpenAIChat:
		return ParseOpenAIChat(reqBody, respBody)
	case OpenAIResponses:
		return ParseOpenAIResponses(reqBody, respBody)
	case OpenAICompletions:
		return ParseOpenAICompletions(reqBody, respBody)
	case OllamaChat:
		return ParseOllamaChat(reqBody, respBody)
	case OllamaGenerate:
		return ParseOllamaGenerate(reqBody, respBody)
	case Anthropic:
		return ParseAnthropic(reqBody, respBody)
	case Gemini:
		return ParseGemini(reqBody, respBody)
	case OpenAIRealtime:
		return ParseOpenAIRealtime(reqBody, respBody)
	}
	return nil, fmt.Errorf("parse dialect %q: %w", d, ErrUnknownDialect)
}

// ParseOwned is Parse for a caller that gives reqBody up to the round: a message text
// of 1 MiB or more then uses reqBody's memory instead of a copy of its own, and one
// with escapes (line breaks) is decoded where it lies, so reqBody no longer holds the
// request's JSON afterwards and must not be read again; only the texts read it. A
// 30 MB message is held once instead of twice while it is parsed. (OpenAI chat
// requests and Anthropic messages, their content a string or a text part or block;
// a text of several parts or blocks is joined, a copy. The other dialects are
// parsed as Parse does.)
func ParseOwned(d Dialect, reqBody, respBody []byte) (*Round, error) {
	switch d {
	case OpenAIChat:
		return parseOpenAIChat(reqBody, respBody, true)
	case Anthropic:
		return parseAnthropic(reqBody, respBody, true)
	}
	return Parse(d, reqBody, respBody)
}
