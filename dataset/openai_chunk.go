package dataset

import "encoding/json"

// Field names of the chunk structs, in the order the fast decoder switches on.
var (
	openaiChunkFields   = []string{"model", "choices", "usage", "error"}
	openaiChoiceFields  = []string{"index", "delta", "finish_reason", "message"}
	openaiDeltaFields   = []string{"content", "reasoning_content", "reasoning", "tool_calls", "function_call", "reasoning_details"}
	openaiMessageFields = []string{"role", "content", "reasoning_content", "reasoning", "tool_calls", "function_call",
		"tool_call_id", "name", "reasoning_details", "prefix"}
	openaiCallFields     = []string{"index", "id", "type", "function"}
	openaiFunctionFields = []string{"name", "arguments"}
	openaiUsageFields    = []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_cache_hit_tokens", "prompt_tokens_details"}
	openaiDetailsFields  = []string{"cached_tokens"}
)

// decodeOpenAIChunk decodes one chat.completion.chunk into c, as
// json.Unmarshal(data, c) would into a zero c, and reports whether it could.
// Chunks of the usual shapes take a reflection-free path; anything else (and
// anything that path refuses) goes to encoding/json. c's choices array is reused.
func decodeOpenAIChunk(data []byte, c *openaiResponse) bool {
	if fastOpenAIChunk(data, c) {
		return true
	}
	*c = openaiResponse{}
	return json.Unmarshal(data, c) == nil
}

// fastOpenAIChunk is the reflection-free path of decodeOpenAIChunk, and of
// parseOpenAIObject for a whole response; false means it could not be sure to
// read data as encoding/json does, and c is then garbage.
func fastOpenAIChunk(data []byte, c *openaiResponse) bool {
	choices := c.Choices[:0]
	if choices == nil {
		choices = make([]openaiChoice, 0, 1)
	}
	*c = openaiResponse{}
	l := jsonLexer{b: data}
	return l.openaiChunk(c, choices) && l.end()
}

func (l *jsonLexer) openaiChunk(c *openaiResponse, choices []openaiChoice) bool {
	l.ws()
	return l.object(openaiChunkFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&c.Model)
		case 1:
			if l.null() {
				return true
			}
			ok := l.array(func() bool {
				choices = append(choices, openaiChoice{})
				return l.openaiChoice(&choices[len(choices)-1])
			})
			c.Choices = choices
			return ok
		case 2:
			if l.null() {
				return true
			}
			c.Usage = new(openaiUsage)
			return l.openaiUsage(c.Usage)
		case 3:
			raw, ok := l.raw()
			c.Error = raw
			return ok
		}
		return false
	})
}

func (l *jsonLexer) openaiChoice(c *openaiChoice) bool {
	return l.object(openaiChoiceFields, func(k int) bool {
		switch k {
		case 0:
			return l.intField(&c.Index)
		case 1:
			return l.null() || l.openaiDelta(&c.Delta)
		case 2:
			return l.stringField(&c.FinishReason)
		case 3:
			return l.null() || l.openaiMessage(&c.Message)
		}
		return false
	})
}

// openaiMessage reads a whole message, as a response that is not streamed holds
// it (parseOpenAIObject): a 2 MB answer was a quarter of the CPU spent storing it
// when encoding/json checked and then decoded it, two passes of its scanner.
func (l *jsonLexer) openaiMessage(m *openaiMessage) bool {
	return l.object(openaiMessageFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&m.Role)
		case 1:
			// The text as written (null too, as json.RawMessage keeps it), not a
			// copy: only parseOpenAIObject reads a message, while it holds the body.
			start := l.i
			ok := l.skip(0)
			m.Content.keep(l.b[start:l.i], l.owned)
			return ok
		case 2:
			return l.stringField(&m.ReasoningContent)
		case 3:
			return l.stringField(&m.Reasoning)
		case 4:
			calls, ok := l.openaiToolCalls()
			m.ToolCalls = calls
			return ok
		case 5:
			if l.null() {
				return true
			}
			m.FunctionCall = new(openaiFunction)
			return l.openaiFunction(m.FunctionCall)
		case 6:
			return l.stringField(&m.ToolCallID)
		case 7:
			return l.stringField(&m.Name)
		case 8:
			return l.openaiReasoningDetails(&m.ReasoningDetails)
		case 9:
			return l.boolField(&m.Prefix)
		}
		return false
	})
}

// openaiToolCalls reads a tool_calls array; null is nil, as encoding/json gives.
func (l *jsonLexer) openaiToolCalls() ([]openaiToolCall, bool) {
	if l.null() {
		return nil, true
	}
	calls := []openaiToolCall{}
	ok := l.array(func() bool {
		calls = append(calls, openaiToolCall{})
		return l.openaiToolCall(&calls[len(calls)-1])
	})
	return calls, ok
}

func (l *jsonLexer) openaiDelta(d *openaiDelta) bool {
	return l.object(openaiDeltaFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&d.Content)
		case 1:
			return l.stringField(&d.ReasoningContent)
		case 2:
			return l.stringField(&d.Reasoning)
		case 3:
			calls, ok := l.openaiToolCalls()
			d.ToolCalls = calls
			return ok
		case 4:
			if l.null() {
				return true
			}
			d.FunctionCall = new(openaiFunction)
			return l.openaiFunction(d.FunctionCall)
		}
		return false // reasoning_details: left to encoding/json
	})
}

func (l *jsonLexer) openaiToolCall(tc *openaiToolCall) bool {
	return l.object(openaiCallFields, func(k int) bool {
		switch k {
		case 0:
			if l.null() {
				return true
			}
			tc.Index = new(int)
			return l.intField(tc.Index)
		case 1:
			return l.stringField(&tc.ID)
		case 2:
			return l.stringField(&tc.Type)
		case 3:
			return l.null() || l.openaiFunction(&tc.Function)
		}
		return false
	})
}

func (l *jsonLexer) openaiFunction(f *openaiFunction) bool {
	return l.object(openaiFunctionFields, func(k int) bool {
		if k == 0 {
			return l.stringField(&f.Name)
		}
		// openaiArgs.UnmarshalJSON: null is "", a string its text, anything else kept as written.
		switch {
		case l.null():
			f.Arguments = ""
		case l.peek() == '"':
			s, ok := l.str()
			f.Arguments = openaiArgs(s)
			return ok
		default:
			start := l.i
			ok := l.skip(0)
			f.Arguments = openaiArgs(l.b[start:l.i])
			return ok
		}
		return true
	})
}

func (l *jsonLexer) openaiUsage(u *openaiUsage) bool {
	return l.object(openaiUsageFields, func(k int) bool {
		switch k {
		case 0:
			return l.intField(&u.PromptTokens)
		case 1:
			return l.intField(&u.CompletionTokens)
		case 2:
			return l.intField(&u.TotalTokens)
		case 3:
			return l.intField(&u.PromptCacheHitTokens)
		}
		if l.null() {
			return true
		}
		u.PromptTokensDetails = new(openaiTokenDetails)
		return l.object(openaiDetailsFields, func(int) bool { return l.intField(&u.PromptTokensDetails.CachedTokens) })
	})
}
