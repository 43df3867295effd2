package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

type openaiResponse struct {
	Model   string          `json:"model"`
	Choices []openaiChoice  `json:"choices"`
	Usage   *openaiUsage    `json:"usage"`
	Error   json.RawMessage `json:"error"`
}

type openaiChoice struct {
	Index        int           `json:"index"`
	Message      openaiMessage `json:"message"` // non-stream
	Delta        openaiDelta   `json:"delta"`   // stream
	FinishReason string        `json:"finish_reason"`
}

type openaiDelta struct {
	Content          string                  `json:"content"`
	ReasoningContent string                  `json:"reasoning_content"`
	Reasoning        string                  `json:"reasoning"`
	ReasoningDetails []openaiReasoningDetail `json:"reasoning_details"`
	ToolCalls        []openaiToolCall        `json:"tool_calls"`
	FunctionCall     *openaiFunction         `json:"function_call"`
}

type openaiError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"`
}

// upstreamError describes an {"error": ...} value as an error wrapping ErrUpstream.
func upstreamError(raw json.RawMessage) error {
	return apiError("openai chat response", raw)
}

// apiError describes an API error value (an OpenAI-style error object or a bare
// string) met while reading what, as an error wrapping ErrUpstream.
func apiError(what string, raw json.RawMessage) error {
	var e openaiError
	if json.Unmarshal(raw, &e) != nil || e.Message == "" {
		// Some servers send a bare string, or an object with other fields.
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.Message = s
		} else {
			e.Message = string(raw)
		}
	}
	detail := e.Message
	if e.Type != "" {
		detail += " (type " + e.Type + ")"
	}
	if e.Code != nil {
		detail += fmt.Sprintf(" (code %v)", e.Code)
	}
	return fmt.Errorf("%s: %w: %s", what, ErrUpstream, detail)
}

// hasError tells whether an "error" field holds something other than null.
func hasError(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// parseOpenAIResponse fills the answers of r from a chat.completion object or a
// stream of chunks.
func parseOpenAIResponse(r *Round, body []byte) error {
	switch shape, body := classifyResponse(r, body); shape {
	case shapeObject:
		return parseOpenAIObject(r, body)
	case shapeStream:
		return parseOpenAIStream(r, body)
	}
	return nil
}

func parseOpenAIObject(r *Round, body []byte) error {
	var resp openaiResponse
	// The usual shapes take the chunks' reflection-free path (openaiMessage).
	if !fastOpenAIChunk(body, &resp) {
		resp = openaiResponse{}
		if err := json.Unmarshal(body, &resp); err != nil {
			if objectCut(r, body) {
				return nil
			}
			return fmt.Errorf("decode openai chat response: %w: %w", ErrMalformed, err)
		}
	}
	if hasError(resp.Error) {
		return upstreamError(resp.Error)
	}
	if resp.Choices == nil {
		return fmt.Errorf("decode openai chat response: no choices: %w", ErrMalformed)
	}
	if r.Model == "" {
		r.Model = resp.Model
	}
	choices := slices.Clone(resp.Choices)
	slices.SortStableFunc(choices, func(a, b openaiChoice) int { return a.Index - b.Index })
	for i, c := range choices {
		c.Message.Role = "assistant"
		m, err := c.Message.message()
		if err != nil {
			return fmt.Errorf("decode openai chat response choice %d: %w", c.Index, err)
		}
		r.Answers = append(r.Answers, m)
		if i == 0 {
			r.FinishReason = c.FinishReason
		}
	}
	r.Usage = resp.Usage.usage()
	return nil
}

// streamChoice gathers the deltas of one choice.
type streamChoice struct {
	index     int
	content   textBuf
	reasoning textBuf
	redacted  strings.Builder
	signature string
	calls     []ToolCall
	args      []*strings.Builder // arguments of calls[i], concatenated from fragments
	finish    string
}

func parseOpenAIStream(r *Round, body []byte) error {
	var (
		choices []*streamChoice
		done    bool
		lost    bool // a chunk could not be read, so something is missing
		failed  error
		chunk   openaiResponse
	)
	n := eachSSE(body, func(_, data []byte) bool {
		data = bytes.TrimSpace(data)
		if string(data) == "[DONE]" {
			done = true
			return false
		}
		if len(data) == 0 {
			return true
		}
		if !decodeOpenAIChunk(data, &chunk) {
			lost = true
			return true
		}
		if hasError(chunk.Error) {
			failed = upstreamError(chunk.Error)
			return false
		}
		if r.Model == "" {
			r.Model = chunk.Model
		}
		if chunk.Usage != nil {
			r.Usage = chunk.Usage.usage()
		}
		for _, c := range chunk.Choices {
			sc := findChoice(&choices, c.Index)
			sc.add(c.Delta)
			if c.FinishReason != "" {
				sc.finish = c.FinishReason
			}
		}
		return true
	})
	if n == 0 {
		return fmt.Errorf("decode openai chat response %.20q: neither JSON nor an event stream: %w", body, ErrMalformed)
	}
	if failed != nil {
		return failed
	}
	slices.SortFunc(choices, func(a, b *streamChoice) int { return a.index - b.index })
	finished := len(choices) > 0
	for i, sc := range choices {
		r.Answers = append(r.Answers, sc.message())
		if i == 0 {
			r.FinishReason = sc.finish
		}
		finished = finished && sc.finish != ""
	}
	// Servers that end with a finish_reason but no [DONE] are let off (lenient);
	// a stream with neither was cut.
	r.Incomplete = lost || !(done || finished)
	return nil
}

func findChoice(choices *[]*streamChoice, index int) *streamChoice {
	for _, sc := range *choices {
		if sc.index == index {
			return sc
		}
	}
	sc := &streamChoice{index: index}
	*choices = append(*choices, sc)
	return sc
}

func (sc *streamChoice) add(d openaiDelta) {
	sc.content.WriteString(d.Content)
	// OpenRouter repeats the text of reasoning_details in reasoning; take it once.
	text, redacted, signature := reasoningParts(d.ReasoningDetails)
	sc.reasoning.WriteString(firstNonEmpty(d.ReasoningContent, d.Reasoning, text))
	sc.redacted.WriteString(redacted)
	if signature != "" {
		sc.signature = signature
	}
	prev := -1 // the call the previous fragment of this delta went to
	for pos, tc := range d.ToolCalls {
		i := sc.callIndex(tc, pos, prev)
		prev = i
		c := &sc.calls[i]
		if c.ID == "" {
			c.ID = tc.ID
		}
		if c.Name == "" {
			c.Name = tc.Function.Name
		}
		sc.args[i].WriteString(string(tc.Function.Arguments))
	}
	if fc := d.FunctionCall; fc != nil {
		first := 0 // the legacy form has a single call
		i := sc.callIndex(openaiToolCall{Index: &first}, 0, -1)
		if sc.calls[i].Name == "" {
			sc.calls[i].Name = fc.Name
		}
		sc.args[i].WriteString(string(fc.Arguments))
	}
}

// callIndex finds the call a tool_calls fragment belongs to, adding it if new. pos
// is the fragment's place in its delta and prev the call the fragment before it
// went to (-1 for the first).
//
// OpenAI numbers fragments with index. Other servers differ: Mistral numbers
// every call 0 but gives each its own id, and servers that send calls whole in
// one chunk (Ollama's /v1, older llama.cpp) may give no index at all. So a known
// id wins, a new id under a taken index starts a call, and without an index a new
// id or a later place in the same delta starts a call, a fragment with a name
// after a named call starts one, and anything else continues the last call.
func (sc *streamChoice) callIndex(tc openaiToolCall, pos, prev int) int {
	want := -1
	if tc.ID != "" {
		for i, c := range sc.calls {
			if c.ID == tc.ID {
				return i
			}
		}
	}
	switch {
	case tc.Index != nil:
		want = *tc.Index
		if tc.ID != "" && want >= 0 && want < len(sc.calls) && sc.calls[want].ID != "" {
			want = len(sc.calls) // the index is taken by another call
		}
	case tc.ID != "":
		want = len(sc.calls)
	case pos > 0:
		want = prev + 1
	case len(sc.calls) == 0:
		want = 0
	case tc.Function.Name != "" && sc.calls[len(sc.calls)-1].Name != "":
		want = len(sc.calls)
	default:
		want = len(sc.calls) - 1
	}
	if want < 0 || want > len(sc.calls)+1000 {
		want = len(sc.calls) // a nonsense index must not make us allocate a huge slice
	}
	for len(sc.calls) <= want {
		sc.calls = append(sc.calls, ToolCall{})
		sc.args = append(sc.args, new(strings.Builder))
	}
	return want
}

func (sc *streamChoice) message() Message {
	m := Message{
		Role:               RoleAssistant,
		Content:            sc.content.String(),
		Reasoning:          sc.reasoning.String(),
		RedactedReasoning:  sc.redacted.String(),
		ReasoningSignature: sc.signature,
	}
	for i, c := range sc.calls {
		c.Arguments = sc.args[i].String()
		if c == (ToolCall{}) {
			continue // a gap left by sparse indexes
		}
		m.ToolCalls = append(m.ToolCalls, c)
	}
	splitThink(&m)
	return m
}
