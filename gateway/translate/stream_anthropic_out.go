package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// openaiToAnthropicStream turns an OpenAI chunk stream into Anthropic Messages
// events for an Anthropic client (Claude Code on a local model). Anthropic has one
// content block open at a time: reasoning, text and each tool call open a block of
// their own, and a change of kind closes the one before. Usage comes in OpenAI's
// last chunk, so message_start carries zeros and message_delta the counts.
type openaiToAnthropicStream struct {
	out      *emitter
	model    string
	newID    func(string) string
	started  bool
	next     int         // the next block index
	open     int         // the open block's index, -1 for none
	openKind string      // "text", "thinking" or "tool_use"
	tools    map[int]int // OpenAI tool call index → block index
	finish   string
	usage    *oaUsage
	sawDone  bool
	buf      []byte
	fast     fastChunk // reused for every chunk
}

// Anthropic's SDKs append deltas to the start block's fields, so a start block
// must carry its empty text, thinking and signature fields.
type (
	anTextStart struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	anThinkingStart struct {
		Type      string `json:"type"`
		Thinking  string `json:"thinking"`
		Signature string `json:"signature"`
	}
	anToolStart struct {
		Type  string          `json:"type"`
		ID    string          `json:"id"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	}
	anBlockEvent struct {
		Type         string `json:"type"`
		Index        int    `json:"index"`
		ContentBlock any    `json:"content_block,omitempty"`
		Delta        any    `json:"delta,omitempty"`
	}
	anJSONDelta struct {
		Type        string `json:"type"`
		PartialJSON string `json:"partial_json"`
	}
	anMessageStart struct {
		Type    string     `json:"type"`
		Message anResponse `json:"message"`
	}
	anMessageDelta struct {
		Type  string `json:"type"`
		Delta struct {
			StopReason   string  `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		} `json:"delta"`
		Usage anUsage `json:"usage"`
	}
)

var doneData = []byte("[DONE]")

func (s *openaiToAnthropicStream) handle(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), doneData) {
		s.sawDone = true
		return nil
	}
	fc := &s.fast
	*fc = fastChunk{scratch: fc.scratch}
	if fastOpenAIChunk(data, fc) {
		if !s.started {
			if err := s.start(string(fc.id), string(fc.model)); err != nil {
				return err
			}
		}
		reasoning := fc.reasoning
		if len(reasoning) == 0 {
			reasoning = fc.reasoningOR
		}
		return s.text(reasoning, fc.content)
	}
	var c oaResponse
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("read openai chunk: %w", err)
	}
	if c.Error != nil {
		return fmt.Errorf("provider error: %s", c.Error.Message)
	}
	if err := s.start(c.ID, c.Model); err != nil {
		return err
	}
	if c.Usage != nil {
		s.usage = c.Usage
	}
	if len(c.Choices) == 0 {
		return nil
	}
	ch := c.Choices[0]
	if d := ch.Delta; d != nil {
		if err := s.text([]byte(or(d.ReasoningContent, d.Reasoning)), []byte(deref(d.Content))); err != nil {
			return err
		}
		for _, tc := range d.ToolCalls {
			if err := s.toolDelta(tc); err != nil {
				return err
			}
		}
	}
	if ch.FinishReason != nil && *ch.FinishReason != "" {
		s.finish = *ch.FinishReason
	}
	return nil
}

// text sends a chunk's reasoning and text, each into a block of its kind.
func (s *openaiToAnthropicStream) text(reasoning, content []byte) error {
	if len(reasoning) > 0 {
		if err := s.ensure("thinking", anThinkingStart{Type: "thinking"}); err != nil {
			return err
		}
		if err := s.textDelta(`"thinking_delta","thinking":`, reasoning); err != nil {
			return err
		}
	}
	if len(content) > 0 {
		if err := s.ensure("text", anTextStart{Type: "text"}); err != nil {
			return err
		}
		return s.textDelta(`"text_delta","text":`, content)
	}
	return nil
}

// textDelta writes the content_block_delta encoding/json would for a text or
// thinking delta of the open block; typeAndKey is the delta's type and its
// text field's key.
func (s *openaiToAnthropicStream) textDelta(typeAndKey string, text []byte) error {
	b := append(s.buf[:0], `{"type":"content_block_delta","index":`...)
	b = strconv.AppendInt(b, int64(s.open), 10)
	b = append(b, `,"delta":{"type":`...)
	b = append(b, typeAndKey...)
	b = appendJSONString(b, text)
	b = append(b, "}}"...)
	s.buf = b
	return s.out.event("content_block_delta", b)
}

func (s *openaiToAnthropicStream) start(id, model string) error {
	if s.started {
		return nil
	}
	s.started, s.open = true, -1
	if id == "" {
		id = s.newID("msg_")
	}
	return s.out.jsonEvent("message_start", anMessageStart{Type: "message_start",
		Message: anResponse{ID: id, Type: "message", Role: "assistant", Model: or(model, s.model), Content: []anBlock{}}})
}

// ensure opens a block of kind unless one is open, closing the block before.
func (s *openaiToAnthropicStream) ensure(kind string, startBlock any) error {
	if s.open >= 0 && s.openKind == kind {
		return nil
	}
	return s.openBlock(kind, startBlock)
}

func (s *openaiToAnthropicStream) openBlock(kind string, startBlock any) error {
	if err := s.closeBlock(); err != nil {
		return err
	}
	s.open, s.openKind = s.next, kind
	s.next++
	return s.out.jsonEvent("content_block_start", anBlockEvent{Type: "content_block_start", Index: s.open, ContentBlock: startBlock})
}

func (s *openaiToAnthropicStream) closeBlock() error {
	if s.open < 0 {
		return nil
	}
	i := s.open
	s.open = -1
	return s.out.jsonEvent("content_block_stop", anBlockEvent{Type: "content_block_stop", Index: i})
}

// toolDelta handles one tool call fragment: a fragment with an index not seen
// before (or an id) opens a tool_use block, arguments go out as input_json_delta.
func (s *openaiToAnthropicStream) toolDelta(tc oaToolCall) error {
	idx := deref(tc.Index)
	if s.tools == nil {
		s.tools = map[int]int{}
	}
	block, seen := s.tools[idx]
	if !seen {
		id := tc.ID
		if id == "" {
			id = s.newID("toolu_")
		}
		if err := s.openBlock("tool_use", anToolStart{Type: "tool_use", ID: id, Name: tc.Function.Name, Input: json.RawMessage("{}")}); err != nil {
			return err
		}
		block, s.tools[idx] = s.open, s.open
	}
	if tc.Function.Arguments == "" {
		return nil
	}
	// Fragments of an earlier call that arrive late go to its block by index,
	// which the SDKs accumulate by.
	return s.out.jsonEvent("content_block_delta", anBlockEvent{Type: "content_block_delta", Index: block,
		Delta: anJSONDelta{Type: "input_json_delta", PartialJSON: tc.Function.Arguments}})
}

// end closes the message. A stream without [DONE] still ended cleanly if it gave a
// finish_reason (some OpenAI-compatible servers leave [DONE] out).
func (s *openaiToAnthropicStream) end() error {
	if !s.sawDone && s.finish == "" {
		return ErrTruncated
	}
	if err := s.start("", ""); err != nil {
		return err
	}
	if err := s.closeBlock(); err != nil {
		return err
	}
	md := anMessageDelta{Type: "message_delta", Usage: openaiUsageToAnthropic(s.usage)}
	md.Delta.StopReason = openaiStopReason(s.finish)
	if err := s.out.jsonEvent("message_delta", md); err != nil {
		return err
	}
	return s.out.jsonEvent("message_stop", map[string]string{"type": "message_stop"})
}
