package translate

import (
	"encoding/json"
	"fmt"
)

// geminiToOpenAIStream turns a Gemini streamGenerateContent (alt=sse) stream into
// OpenAI chunks. Each Gemini event is a whole GenerateContentResponse holding the
// next parts; a function call arrives whole and becomes one tool call delta with
// its thought signature. The stream ends with a finishReason; Gemini sends no
// end marker of its own.
type geminiToOpenAIStream struct {
	oa        *oaChunker
	newID     func(string) string
	tools     int
	finishRaw string
	usage     *gmUsage
	finished  bool
}

func (s *geminiToOpenAIStream) handle(data []byte) error {
	var ev gmResponse
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("read gemini event: %w", err)
	}
	if ev.Error != nil {
		return fmt.Errorf("provider error: %s: %s", ev.Error.Status, ev.Error.Message)
	}
	if s.oa.id == "" {
		s.oa.id = ev.ResponseID
		if s.oa.id == "" {
			s.oa.id = s.newID("chatcmpl-")
		}
		s.oa.model = or(ev.ModelVersion, s.oa.model)
	}
	if err := s.oa.start(); err != nil {
		return err
	}
	if ev.UsageMetadata != nil {
		s.usage = ev.UsageMetadata
	}
	// A translated stream has one choice; the gateway does not ask for more.
	if len(ev.Candidates) == 0 {
		if pf := ev.PromptFeedback; pf != nil && pf.BlockReason != "" {
			s.finishRaw, s.finished = "SAFETY", true
		}
		return nil
	}
	c := ev.Candidates[0]
	for _, p := range c.Content.Parts {
		var err error
		switch {
		case p.FunctionCall != nil:
			tc := geminiToolCall(p, s.newID)
			tc.Index = ptr(s.tools)
			s.tools++
			err = s.oa.delta(&oaRespMessage{ToolCalls: []oaToolCall{tc}})
		case p.Thought && p.Text != "":
			err = s.oa.delta(&oaRespMessage{ReasoningContent: p.Text})
		case p.Text != "":
			err = s.oa.delta(&oaRespMessage{Content: &p.Text})
		}
		if err != nil {
			return err
		}
	}
	if c.FinishReason != "" {
		s.finishRaw = c.FinishReason
		s.finished = true
	}
	return nil
}

// end writes the finishing chunk here rather than at the finishReason: the usage
// may come in a later event.
func (s *geminiToOpenAIStream) end() error {
	if !s.finished {
		return ErrTruncated
	}
	if err := s.oa.finish(geminiFinish(s.finishRaw, s.tools > 0), geminiUsageToOpenAI(s.usage)); err != nil {
		return err
	}
	return s.oa.done()
}
