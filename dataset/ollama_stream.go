package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ollamaRecord is one line of an Ollama response stream, or the whole non-stream
// body: a chat record has Message, a generate record Response and Thinking. The
// last record has Done set, with the reason and the token counts.
type ollamaRecord struct {
	Model           string          `json:"model"`
	Message         *ollamaMessage  `json:"message"`
	Response        string          `json:"response"`
	Thinking        string          `json:"thinking"`
	Done            bool            `json:"done"`
	DoneReason      string          `json:"done_reason"` // "stop", "length", "load", "unload"
	PromptEvalCount int             `json:"prompt_eval_count"`
	EvalCount       int             `json:"eval_count"`
	Error           json.RawMessage `json:"error"`
}

// parseOllamaBody fills the answer of r from an NDJSON stream or a single
// object. prefill is text the prompt already put in the answer and recovered
// tells whether the history came from RecoverChat (raw generate).
func parseOllamaBody(r *Round, body []byte, prefill string, recovered bool) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	var (
		content, thinking textBuf
		calls             []ToolCall
		seen, done, lost  bool
		reason            string
		n                 int
		failed            error
	)
	take := func(rec []byte) bool {
		n++
		switch {
		case n == 1 && rec[0] != '{':
			failed = fmt.Errorf("decode ollama response %.20q: neither JSON nor NDJSON: %w", body, ErrMalformed)
			return false
		case n == 2:
			r.Stream = true
		}
		var o ollamaRecord
		if json.Unmarshal(rec, &o) != nil {
			lost = true // typically the last line, cut short
			return true
		}
		if hasError(o.Error) {
			failed = apiError("ollama response", o.Error)
			return false
		}
		seen = true
		r.Model = firstNonEmpty(r.Model, o.Model)
		content.WriteString(o.Response)
		thinking.WriteString(o.Thinking)
		if m := o.Message; m != nil {
			content.WriteString(m.Content)
			thinking.WriteString(m.Thinking)
			calls = append(calls, ollamaToolCalls(m.ToolCalls)...)
		}
		if o.Done {
			done, reason = true, o.DoneReason
			r.Usage = Usage{PromptTokens: o.PromptEvalCount, CompletionTokens: o.EvalCount, TotalTokens: o.PromptEvalCount + o.EvalCount}
		}
		return true
	}
	if json.Valid(body) {
		take(body)
	} else {
		eachNDJSON(body, take)
	}
	if failed != nil {
		return failed
	}
	r.FinishReason = reason
	r.Incomplete = lost || !done
	empty := content.Len() == 0 && thinking.Len() == 0 && len(calls) == 0
	if !seen || empty && (reason == "load" || reason == "unload") {
		return nil // no answer: a model load or unload request
	}
	answer := completionAnswer(prefill, content.String(), thinking.String(), recovered)
	answer.ToolCalls = calls
	r.Answers = append(r.Answers, answer)
	return nil
}
