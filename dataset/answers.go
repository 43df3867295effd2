package dataset

import "fmt"

// answerParsers read the answers of a response body alone, for the dialects whose
// response parsers read nothing of the request.
var answerParsers = map[Dialect]func(*Round, []byte) error{
	OpenAIChat: parseOpenAIResponse,
	Anthropic:  parseAnthropicResponse,
}

// AnswersFromResponse reports whether ParseAnswers reads the answers of dialect d
// from the response body alone.
func AnswersFromResponse(d Dialect) bool { return answerParsers[d] != nil }

// ParseAnswers reads the answers of a response body of dialect d without its request:
// the same messages, byte for byte, that Parse gives as Round.Answers for any request
// with that response. The store keeps a long answer's text once, in the response
// body, and reads it back through this (store/answertext.go). Only dialects
// AnswersFromResponse names; others give an error wrapping ErrUnknownDialect.
func ParseAnswers(d Dialect, respBody []byte) ([]Message, error) {
	parse := answerParsers[d]
	if parse == nil {
		return nil, fmt.Errorf("answers of dialect %q without the request: %w", d, ErrUnknownDialect)
	}
	r := &Round{Dialect: d, Answers: []Message{}}
	if err := parse(r, respBody); err != nil {
		return nil, err
	}
	return r.Answers, nil
}
