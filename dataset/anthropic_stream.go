package dataset

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

type anthropicResponse struct {
	Type       string           `json:"type"` // "message", or "error"
	Model      string           `json:"model"`
	Content    []anthropicBlock `json:"content"`
	StopReason string           `json:"stop_reason"`
	Usage      *anthropicUsage  `json:"usage"`
	Error      json.RawMessage  `json:"error"`
}

type anthropicUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// merge takes the counts u reports over those of v. A stream reports usage in
// message_start and again, cumulatively, in message_delta, where older API versions
// give only output_tokens.
func (u *anthropicUsage) merge(v anthropicUsage) anthropicUsage {
	if u == nil {
		return v
	}
	pick := func(a, b int) int {
		if a != 0 {
			return a
		}
		return b
	}
	return anthropicUsage{
		InputTokens:              pick(u.InputTokens, v.InputTokens),
		OutputTokens:             pick(u.OutputTokens, v.OutputTokens),
		CacheCreationInputTokens: pick(u.CacheCreationInputTokens, v.CacheCreationInputTokens),
		CacheReadInputTokens:     pick(u.CacheReadInputTokens, v.CacheReadInputTokens),
	}
}

func (u anthropicUsage) usage() Usage {
	prompt := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
	return Usage{PromptTokens: prompt, CompletionTokens: u.OutputTokens, TotalTokens: prompt + u.OutputTokens,
		CachedTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens}
}

// anthropicEvent is one event of a Messages stream.
type anthropicEvent struct {
	Type         string             `json:"type"`
	Message      *anthropicResponse `json:"message"`       // message_start
	Index        int                `json:"index"`         // content_block_*
	ContentBlock *anthropicBlock    `json:"content_block"` // content_block_start
	Delta        *anthropicDelta    `json:"delta"`         // content_block_delta, message_delta
	Usage        *anthropicUsage    `json:"usage"`         // message_delta
	Error        json.RawMessage    `json:"error"`         // error
}

type anthropicDelta struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	PartialJSON string `json:"partial_json"`
	Thinking    string `json:"thinking"`
	Signature   string `json:"signature"`
	StopReason  string `json:"stop_reason"` // message_delta
}

type anthropicError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// anthropicUpstreamError describes the error object of an error body or event as an
// error wrapping ErrUpstream.
func anthropicUpstreamError(raw json.RawMessage) error {
	var e anthropicError
	if json.Unmarshal(raw, &e) != nil || e.Message == "" && e.Type == "" {
		e.Message = strings.TrimSpace(string(raw))
	}
	detail := e.Message
	if e.Type != "" {
		detail += " (type " + e.Type + ")"
	}
	return fmt.Errorf("anthropic response: %w: %s", ErrUpstream, detail)
}

// parseAnthropicResponse fills the answer of r from a message object or a stream.
func parseAnthropicResponse(r *Round, body []byte) error {
	switch shape, body := classifyResponse(r, body); shape {
	case shapeObject:
		return parseAnthropicObject(r, body)
	case shapeStream:
		return parseAnthropicStream(r, body)
	}
	return nil
}

func parseAnthropicObject(r *Round, body []byte) error {
	var resp anthropicResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		if objectCut(r, body) {
			return nil
		}
		return fmt.Errorf("decode anthropic response: %w: %w", ErrMalformed, err)
	}
	if resp.Type == "error" || hasError(resp.Error) {
		return anthropicUpstreamError(resp.Error)
	}
	if resp.Type != "message" && resp.Content == nil {
		return fmt.Errorf("decode anthropic response: type %q has no content: %w", resp.Type, ErrMalformed)
	}
	if r.Model == "" {
		r.Model = resp.Model
	}
	answer, err := anthropicAnswer(resp.Content)
	if err != nil {
		return fmt.Errorf("decode anthropic response: %w", err)
	}
	r.Answers = append(r.Answers, answer)
	r.FinishReason = resp.StopReason
	if resp.Usage != nil {
		r.Usage = resp.Usage.usage()
	}
	return nil
}

// anthropicAnswer converts the content blocks of a response to one assistant message.
func anthropicAnswer(blocks []anthropicBlock) (Message, error) {
	msgs, err := anthropicTurn(RoleAssistant, blocks)
	if err != nil {
		return Message{}, err
	}
	// A response holds no tool_result blocks, so the assistant message is the last.
	m := msgs[len(msgs)-1]
	m.Role = RoleAssistant
	return m, nil
}

// anthropicStreamBlock gathers the deltas of one content block.
type anthropicStreamBlock struct {
	index     int
	block     anthropicBlock // as content_block_start gave it
	text      textBuf
	input     strings.Builder // input_json_delta fragments
	thinking  textBuf
	signature strings.Builder
}

func parseAnthropicStream(r *Round, body []byte) error {
	var (
		blocks  = map[int]*anthropicStreamBlock{}
		stopped bool // message_stop was seen
		lost    bool // an event could not be read, so something is missing
		usage   anthropicUsage
		failed  error
		e       anthropicEvent
	)
	n := eachSSE(body, func(event, data []byte) bool {
		if !decodeAnthropicEvent(data, &e) {
			lost = true
			return true
		}
		if e.Type == "" {
			e.Type = string(event)
		}
		switch e.Type {
		case "error":
			failed = anthropicUpstreamError(e.Error)
			return false
		case "message_start":
			if e.Message != nil {
				if r.Model == "" {
					r.Model = e.Message.Model
				}
				usage = e.Message.Usage.merge(usage)
			}
		case "content_block_start":
			if b := anthropicFindBlock(blocks, e.Index, ""); e.ContentBlock != nil {
				b.block = *e.ContentBlock
				b.text.WriteString(b.block.Text)
				b.thinking.WriteString(b.block.Thinking)
				b.signature.WriteString(b.block.Signature)
			}
		case "content_block_delta":
			if e.Delta != nil {
				anthropicFindBlock(blocks, e.Index, e.Delta.Type).add(*e.Delta)
			}
		case "message_delta":
			if e.Delta != nil && e.Delta.StopReason != "" {
				r.FinishReason = e.Delta.StopReason
			}
			usage = e.Usage.merge(usage)
		case "message_stop":
			stopped = true
			return false
		}
		return true
	})
	if n == 0 {
		return fmt.Errorf("decode anthropic response %.20q: neither JSON nor an event stream: %w", body, ErrMalformed)
	}
	if failed != nil {
		return failed
	}
	r.Usage = usage.usage()
	r.Incomplete = lost || !stopped
	if len(blocks) == 0 && !stopped {
		return nil // cut before any content: no answer
	}
	indexes := make([]int, 0, len(blocks))
	for i := range blocks {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	content := make([]anthropicBlock, 0, len(indexes))
	for _, i := range indexes {
		content = append(content, blocks[i].finish())
	}
	answer, err := anthropicAnswer(content)
	if err != nil {
		return fmt.Errorf("decode anthropic response: %w", err)
	}
	r.Answers = append(r.Answers, answer)
	return nil
}

// anthropicFindBlock returns the block at index, adding it if new. A delta for a
// block that was never started gives the block the type its deltas imply.
func anthropicFindBlock(blocks map[int]*anthropicStreamBlock, index int, deltaType string) *anthropicStreamBlock {
	if b, ok := blocks[index]; ok {
		return b
	}
	b := &anthropicStreamBlock{index: index}
	switch deltaType {
	case "text_delta":
		b.block.Type = "text"
	case "input_json_delta":
		b.block.Type = "tool_use"
	case "thinking_delta", "signature_delta":
		b.block.Type = "thinking"
	}
	blocks[index] = b
	return b
}

func (b *anthropicStreamBlock) add(d anthropicDelta) {
	switch d.Type {
	case "text_delta":
		b.text.WriteString(d.Text)
	case "input_json_delta":
		b.input.WriteString(d.PartialJSON)
	case "thinking_delta":
		b.thinking.WriteString(d.Thinking)
	case "signature_delta":
		b.signature.WriteString(d.Signature)
	}
}

// finish returns the block as a non-stream response would have held it.
func (b *anthropicStreamBlock) finish() anthropicBlock {
	out := b.block
	out.Text = b.text.String()
	out.Thinking = b.thinking.String()
	out.Signature = b.signature.String()
	if b.input.Len() > 0 {
		// The input of content_block_start is an empty object that the fragments replace.
		out.Input = json.RawMessage(b.input.String())
	}
	return out
}
