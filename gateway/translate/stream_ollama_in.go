package translate

import (
	"encoding/json"
	"fmt"
)

// ollamaToOpenAIStream turns Ollama's /api/chat NDJSON stream into OpenAI chunks.
// Ollama sends each tool call whole; the last record has "done": true and the
// token counts.
type ollamaToOpenAIStream struct {
	oa       *oaChunker
	newID    func(string) string
	tools    int
	finished bool
}

func (s *ollamaToOpenAIStream) handle(data []byte) error {
	if s.finished {
		return nil // the client's stream is complete
	}
	var r olResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("read ollama record: %w", err)
	}
	if r.Error != "" {
		return fmt.Errorf("provider error: %s", r.Error)
	}
	if s.oa.id == "" {
		s.oa.id = s.newID("chatcmpl-")
		s.oa.model = or(r.Model, s.oa.model)
	}
	if err := s.oa.start(); err != nil {
		return err
	}
	if r.Message.Thinking != "" {
		if err := s.oa.delta(&oaRespMessage{ReasoningContent: r.Message.Thinking}); err != nil {
			return err
		}
	}
	if r.Message.Content != "" {
		if err := s.oa.delta(&oaRespMessage{Content: &r.Message.Content}); err != nil {
			return err
		}
	}
	if len(r.Message.ToolCalls) > 0 {
		calls := make([]oaToolCall, 0, len(r.Message.ToolCalls))
		for _, c := range r.Message.ToolCalls {
			tc := ollamaToolCall(c, s.newID)
			tc.Index = ptr(s.tools)
			s.tools++
			calls = append(calls, tc)
		}
		if err := s.oa.delta(&oaRespMessage{ToolCalls: calls}); err != nil {
			return err
		}
	}
	if r.Done && !s.finished {
		s.finished = true
		// The done record is Ollama's last: "data: [DONE]" goes out with the
		// finishing chunk, in the same write, not at the provider's EOF.
		if err := s.oa.finish(ollamaFinish(r.DoneReason, s.tools > 0), ollamaUsageToOpenAI(&r)); err != nil {
			return err
		}
		return s.oa.done()
	}
	return nil
}

func (s *ollamaToOpenAIStream) end() error {
	if !s.finished {
		return ErrTruncated
	}
	return s.oa.done()
}
