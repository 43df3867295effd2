package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The legacy OpenAI text completions wire format (POST /v1/completions), which
// local servers (llama.cpp, vLLM, TabbyAPI, KoboldCpp) and frontends that build
// their own prompts (SillyTavern in text mode) still use:
// https://platform.openai.com/docs/api-reference/completions

type completionsRequest struct {
	Model  string          `json:"model"`
	Prompt json.RawMessage `json:"prompt"` // a string, a list of strings, or token IDs
	Stream bool            `json:"stream"`
	Echo   bool            `json:"echo"`
	N      int             `json:"n"`
}

type completionsResponse struct {
	Model   string              `json:"model"`
	Choices []completionsChoice `json:"choices"`
	Usage   *openaiUsage        `json:"usage"`
	Error   json.RawMessage     `json:"error"`
}

type completionsChoice struct {
	Index        int    `json:"index"`
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
}

// ParseOpenAICompletions reads a legacy completions exchange. When RecoverChat
// reads the prompt as a chat template, Messages is the recovered history and each
// answer is the open assistant turn (any text the prompt already put in it, then
// the completion). Otherwise Raw is set, Messages holds the whole prompt as one
// user message, and each answer is the completion text. A batch of prompts keeps
// the first prompt and its choices. Errors wrap ErrMalformed or ErrUpstream.
func ParseOpenAICompletions(reqBody, respBody []byte) (*Round, error) {
	var req completionsRequest
	if err := json.Unmarshal(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode openai completions request: %w: %w", ErrMalformed, err)
	}
	prompt, err := completionsPrompt(req.Prompt)
	if err != nil {
		return nil, fmt.Errorf("decode openai completions request prompt: %w", err)
	}
	r := &Round{Dialect: OpenAICompletions, Model: req.Model, Answers: []Message{}, Stream: req.Stream}
	prefill := setPromptHistory(r, prompt)
	texts, err := parseCompletionsBody(r, respBody, max(req.N, 1))
	if err != nil {
		return nil, err
	}
	for _, t := range texts {
		if req.Echo {
			t = strings.TrimPrefix(t, prompt)
		}
		r.Answers = append(r.Answers, completionAnswer(prefill, t, "", !r.Raw))
	}
	return r, nil
}

// setPromptHistory fills r.Messages from a text prompt, recovering the chat
// behind a template when it can and setting r.Raw when it cannot. It returns
// the text the prompt already put in the open assistant turn.
func setPromptHistory(r *Round, prompt string) (prefill string) {
	if msgs, ok := RecoverChat(prompt); ok {
		r.Messages = msgs[:len(msgs)-1]
		return msgs[len(msgs)-1].Content
	}
	r.Raw = true
	r.Messages = []Message{{Role: RoleUser, Content: prompt}}
	return ""
}

// completionAnswer is the assistant message a completion makes: the prefill and
// the completed text, with a leading <think> block taken as reasoning. In a
// recovered chat the answer is a turn of its own, so the space a template leaves
// after its assistant marker ("[/INST] answer") is trimmed; a raw completion is a
// continuation and is kept as it is.
func completionAnswer(prefill, text, thinking string, recovered bool) Message {
	m := Message{Role: RoleAssistant, Content: prefill + text, Reasoning: thinking}
	if recovered {
		m.Content = strings.TrimLeft(m.Content, spaces)
	}
	splitThink(&m)
	return m
}

// completionsPrompt reads the prompt: a string or the first of a list of strings.
// Token IDs are kept as their JSON text.
func completionsPrompt(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("%.20q is neither a string nor a list: %w", raw, ErrMalformed)
	}
	if len(list) > 0 && json.Unmarshal(list[0], &s) == nil {
		return s, nil
	}
	return string(raw), nil // token IDs: nothing to read as text
}

// parseCompletionsBody returns the completion texts of the first prompt's n
// choices, from a text_completion object or a stream of them.
func parseCompletionsBody(r *Round, body []byte, n int) ([]string, error) {
	var (
		chunks     []completionsResponse
		done, lost bool
	)
	shape, body := classifyResponse(r, body)
	switch shape {
	case shapeEmpty:
		return nil, nil
	case shapeObject:
		var resp completionsResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			if objectCut(r, body) {
				return nil, nil
			}
			return nil, fmt.Errorf("decode openai completions response: %w: %w", ErrMalformed, err)
		}
		if !hasError(resp.Error) && resp.Choices == nil {
			return nil, fmt.Errorf("decode openai completions response: no choices: %w", ErrMalformed)
		}
		chunks, done = []completionsResponse{resp}, true
	default:
		var err error
		if chunks, done, lost, err = completionsChunks(body); err != nil {
			return nil, err
		}
	}
	texts := map[int]*strings.Builder{}
	finish := map[int]string{}
	for _, c := range chunks {
		if hasError(c.Error) {
			return nil, apiError("openai completions response", c.Error)
		}
		r.Model = firstNonEmpty(r.Model, c.Model)
		if c.Usage != nil {
			r.Usage = c.Usage.usage()
		}
		for _, ch := range c.Choices {
			if ch.Index < 0 || ch.Index >= n {
				continue // a later prompt's choice in a batch
			}
			if texts[ch.Index] == nil {
				texts[ch.Index] = new(strings.Builder)
			}
			texts[ch.Index].WriteString(ch.Text)
			if ch.FinishReason != "" {
				finish[ch.Index] = ch.FinishReason
			}
		}
	}
	var out []string
	for i, idx := range slices.Sorted(maps.Keys(texts)) {
		out = append(out, texts[idx].String())
		if i == 0 {
			r.FinishReason = finish[idx]
		}
	}
	// As for chat: a stream without [DONE] is let off when every choice finished.
	finished := len(texts) > 0 && len(finish) == len(texts)
	r.Incomplete = lost || !(done || finished)
	return out, nil
}

// completionsChunks decodes the events of a stream. done tells whether it ended
// with [DONE]; lost whether an event could not be read.
func completionsChunks(body []byte) (chunks []completionsResponse, done, lost bool, err error) {
	events, _ := ParseSSE(body)
	if len(events) == 0 {
		return nil, false, false, fmt.Errorf("decode openai completions response %.20q: neither JSON nor an event stream: %w", body, ErrMalformed)
	}
	for _, ev := range events {
		data := strings.TrimSpace(ev.Data)
		if data == "[DONE]" {
			return chunks, true, lost, nil
		}
		if data == "" {
			continue
		}
		var c completionsResponse
		if json.Unmarshal([]byte(data), &c) != nil {
			lost = true
			continue
		}
		chunks = append(chunks, c)
	}
	return chunks, false, lost, nil
}
