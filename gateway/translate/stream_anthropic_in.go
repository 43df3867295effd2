package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// anthropicToOpenAIStream turns an Anthropic Messages stream into OpenAI chunks.
// Text and thinking deltas pass through as content and reasoning_content; each
// tool_use block becomes a tool call with the next index, its input_json_delta
// fragments its arguments. Thinking blocks, once their signatures are complete,
// go out together as one thinking_blocks delta the client echoes back, before
// the text or tool call that follows them: the JS SDK's accumulator keeps only
// the last value of a field it does not know, so one delta must carry them all.
type anthropicToOpenAIStream struct {
	oa       *oaChunker
	blocks   map[int]*anStreamBlock
	thinking []thinkingBlock // finished, not yet sent
	sent     int             // thinking blocks sent so far
	tools    int
	stop     string
	usage    anUsage
	held     int // bytes of thinking text held for signatures
	finished bool
	fast     fastDelta // reused for every delta event
	ev       anEvent   // reused for every other event
	parts    anEventParts
}

type anStreamBlock struct {
	typ       string
	tool      int // the OpenAI tool call index
	thinking  strings.Builder
	signature strings.Builder
}

func (s *anthropicToOpenAIStream) handle(data []byte) error {
	if s.finished {
		return nil // message_stop is the last event; the client's stream is complete
	}
	var index int
	d := &s.fast
	*d = fastDelta{scratch: d.scratch}
	if fastAnthropicDelta(data, &index, d) {
		return s.blockDelta(index, d)
	}
	return s.handleEvent(data)
}

func (s *anthropicToOpenAIStream) handleEvent(data []byte) error {
	ev := &s.ev
	*ev = anEvent{}
	if !fastBareEvent(data, ev) && !fastMessageEvent(data, ev, &s.parts) {
		*ev = anEvent{}
		if err := json.Unmarshal(data, ev); err != nil {
			return fmt.Errorf("read anthropic event: %w", err)
		}
	}
	switch ev.Type {
	case "message_start":
		if ev.Message != nil {
			s.oa.id = ev.Message.ID
			s.oa.model = or(ev.Message.Model, s.oa.model)
			s.usage = ev.Message.Usage
		}
		return s.oa.start()
	case "content_block_start":
		return s.blockStart(ev)
	case "content_block_delta":
		if ev.Delta == nil {
			return nil
		}
		d := ev.Delta
		return s.blockDelta(ev.Index, &fastDelta{Type: d.Type, Text: []byte(d.Text), PartialJSON: []byte(d.PartialJSON),
			Thinking: []byte(d.Thinking), Signature: []byte(d.Signature)})
	case "content_block_stop":
		b := s.blocks[ev.Index]
		delete(s.blocks, ev.Index)
		if b == nil || b.typ != "thinking" {
			return nil
		}
		s.held -= b.thinking.Len()
		s.thinking = append(s.thinking, thinkingBlock{Type: "thinking", Thinking: b.thinking.String(), Signature: b.signature.String()})
		return nil
	case "message_delta":
		if ev.Delta != nil && ev.Delta.StopReason != nil {
			s.stop = *ev.Delta.StopReason
		}
		if u := ev.Usage; u != nil {
			s.usage.OutputTokens = u.OutputTokens
			// Newer API versions repeat the input counts here; keep the larger.
			s.usage.InputTokens = max(s.usage.InputTokens, u.InputTokens)
			s.usage.CacheReadInputTokens = max(s.usage.CacheReadInputTokens, u.CacheReadInputTokens)
			s.usage.CacheCreationInputTokens = max(s.usage.CacheCreationInputTokens, u.CacheCreationInputTokens)
		}
	case "message_stop":
		s.finished = true
		if err := s.flushThinking(); err != nil {
			return err
		}
		// message_stop is Anthropic's last event: "data: [DONE]" goes out with
		// the finishing chunk, in the same write, not at the provider's EOF.
		if err := s.oa.finish(anthropicFinish(s.stop), anthropicUsageToOpenAI(s.usage)); err != nil {
			return err
		}
		return s.oa.done()
	case "error":
		if ev.Error != nil {
			return fmt.Errorf("provider error: %s: %s", ev.Error.Type, ev.Error.Message)
		}
		return fmt.Errorf("provider error: %s", data)
	}
	return nil // ping and event types added later
}

func (s *anthropicToOpenAIStream) blockStart(ev *anEvent) error {
	cb := ev.ContentBlock
	if cb == nil {
		return nil
	}
	if s.blocks == nil {
		s.blocks = map[int]*anStreamBlock{}
	}
	b := &anStreamBlock{typ: cb.Type}
	s.blocks[ev.Index] = b
	if cb.Type == "text" || cb.Type == "tool_use" {
		if err := s.flushThinking(); err != nil {
			return err
		}
	}
	switch cb.Type {
	case "text":
		if cb.Text != "" {
			return s.oa.delta(&oaRespMessage{Content: &cb.Text})
		}
	case "thinking":
		b.thinking.WriteString(cb.Thinking)
		b.signature.WriteString(deref(cb.Signature))
	case "redacted_thinking":
		s.thinking = append(s.thinking, thinkingBlock{Type: "redacted_thinking", Data: cb.Data})
	case "tool_use":
		b.tool = s.tools
		s.tools++
		// A non-empty input here (rare) is the whole input.
		args := ""
		if in := strings.TrimSpace(string(cb.Input)); in != "" && in != "{}" {
			args = in
		}
		return s.oa.delta(&oaRespMessage{ToolCalls: []oaToolCall{{Index: ptr(b.tool), ID: cb.ID, Type: "function",
			Function: oaFunctionCall{Name: cb.Name, Arguments: args}}}})
	}
	return nil
}

func (s *anthropicToOpenAIStream) blockDelta(index int, d *fastDelta) error {
	b := s.blocks[index]
	switch d.Type {
	case "text_delta":
		return s.oa.text(`"content":`, d.Text)
	case "thinking_delta":
		if b != nil {
			b.thinking.Write(d.Thinking)
			s.held += len(d.Thinking)
			if s.held > maxEventBytes {
				return fmt.Errorf("thinking longer than %d bytes", maxEventBytes)
			}
		}
		if len(d.Thinking) == 0 {
			return nil
		}
		return s.oa.text(`"reasoning_content":`, d.Thinking)
	case "signature_delta":
		if b != nil {
			b.signature.Write(d.Signature)
		}
	case "input_json_delta":
		if b == nil || b.typ != "tool_use" || len(d.PartialJSON) == 0 {
			return nil
		}
		return s.oa.delta(&oaRespMessage{ToolCalls: []oaToolCall{{Index: ptr(b.tool), Function: oaFunctionCall{Arguments: string(d.PartialJSON)}}}})
	}
	return nil
}

func (s *anthropicToOpenAIStream) end() error {
	if !s.finished {
		return ErrTruncated
	}
	return s.oa.done()
}

// flushThinking sends the thinking blocks finished since the last flush.
func (s *anthropicToOpenAIStream) flushThinking() error {
	if len(s.thinking) == 0 {
		return nil
	}
	for i := range s.thinking {
		s.thinking[i].Index = ptr(s.sent + i)
	}
	s.sent += len(s.thinking)
	blocks := s.thinking
	s.thinking = nil
	return s.oa.delta(&oaRespMessage{ThinkingBlocks: blocks})
}
