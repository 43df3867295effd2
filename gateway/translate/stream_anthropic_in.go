package translate

import (
	"encoding/json"
	"fmt"
	"io"
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
	blocks   streamBlocks
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

// anthropicToOpenAIParts are the parts of the most common translated stream, an
// OpenAI client's from an Anthropic provider, allocated together.
type anthropicToOpenAIParts struct {
	src source
	out emitter
	oa  oaChunker
	st  anthropicToOpenAIStream
}

func (t *Translator) anthropicToOpenAI(w io.Writer, model string) *source {
	a := new(anthropicToOpenAIParts)
	a.out.init(w, OpenAI)
	t.initOAChunker(&a.oa, &a.out, model)
	a.st.oa = &a.oa
	a.src = source{out: &a.out, h: &a.st, split: true}
	return &a.src
}

type anStreamBlock struct {
	open      bool // started and not yet stopped
	typ       string
	tool      int // the OpenAI tool call index
	thinking  []byte
	signature []byte
}

// streamBlocks are a stream's open content blocks by their index. Anthropic
// numbers them 0, 1, 2... in order, so they live in a slice (the first few in
// the stream's own array) rather than a map; an index past maxSliceBlock, which
// no real stream has, goes to a map.
type streamBlocks struct {
	first [4]anStreamBlock
	list  []anStreamBlock
	far   map[int]*anStreamBlock
}

const maxSliceBlock = 1 << 10

// get returns the open block index, nil when there is none.
func (bs *streamBlocks) get(index int) *anStreamBlock {
	if index >= 0 && index < len(bs.list) {
		if b := &bs.list[index]; b.open {
			return b
		}
		return nil
	}
	return bs.far[index]
}

// open starts block index of type typ, replacing one open under that index.
func (bs *streamBlocks) open(index int, typ string) *anStreamBlock {
	if index < 0 || index >= maxSliceBlock {
		if bs.far == nil {
			bs.far = map[int]*anStreamBlock{}
		}
		b := &anStreamBlock{open: true, typ: typ}
		bs.far[index] = b
		return b
	}
	if bs.list == nil {
		bs.list = bs.first[:0]
	}
	for len(bs.list) <= index {
		bs.list = append(bs.list, anStreamBlock{})
	}
	b := &bs.list[index]
	*b = anStreamBlock{open: true, typ: typ, thinking: b.thinking[:0], signature: b.signature[:0]}
	return b
}

// close ends block index; the block returned is valid until the next open.
func (bs *streamBlocks) close(index int) *anStreamBlock {
	b := bs.get(index)
	if b == nil {
		return nil
	}
	if index >= 0 && index < len(bs.list) {
		c := *b
		b.open = false
		return &c
	}
	delete(bs.far, index)
	return b
}

func (s *anthropicToOpenAIStream) handle(data []byte) error {
	if s.finished {
		return nil // message_stop is the last event; the client's stream is complete
	}
	if _, text, ok := exactTextDelta(data); ok {
		return s.oa.plainText(`"content":`, text)
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
		b := s.blocks.close(ev.Index)
		if b == nil || b.typ != "thinking" {
			return nil
		}
		s.held -= len(b.thinking)
		s.thinking = append(s.thinking, thinkingBlock{Type: "thinking", Thinking: string(b.thinking), Signature: string(b.signature)})
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
	b := s.blocks.open(ev.Index, cb.Type)
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
		b.thinking = append(b.thinking, cb.Thinking...)
		b.signature = append(b.signature, deref(cb.Signature)...)
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
	b := s.blocks.get(index)
	switch d.Type {
	case "text_delta":
		return s.oa.text(`"content":`, d.Text)
	case "thinking_delta":
		if b != nil {
			b.thinking = append(b.thinking, d.Thinking...)
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
			b.signature = append(b.signature, d.Signature...)
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
