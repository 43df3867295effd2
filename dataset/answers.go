package dataset

import "fmt"

// AnswersFromResponse reports whether ParseAnswers reads the answers of dialect d
// from the response body alone.
func AnswersFromResponse(d Dialect) bool { return d == OpenAIChat || d == Anthropic }

// ParseAnswers reads the answers of a response body of dialect d without its request:
// the same messages, byte for byte, that Parse gives as Round.Answers for any request
// with that response (the response parsers of these dialects read nothing of the
// request). The store keeps a long answer's text once, in the response body, and
// reads it back through this (store/answertext.go). Only dialects AnswersFromResponse
// names; others give an error wrapping ErrUnknownDialect.
func ParseAnswers(d Dialect, respBody []byte) ([]Message, error) {
	r := &Round{Dialect: d, Answers: []Message{}}
	var err error
	switch d {
	case OpenAIChat:
		err = parseOpenAIResponse(r, respBody)
	case Anthropic:
		err = parseAnthropicResponse(r, respBody)
	default:
		return nil, fmt.Errorf("answers of dialect %q without the request: %w", d, ErrUnknownDialect)
	}
	if err != nil {
		return nil, err
	}
	return r.Answers, nil
}
