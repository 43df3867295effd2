package translate

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/llmtap/llmtap/dataset"
)

// readOpenAIRequest reads a Chat Completions request. encoding/json checks the
// whole body before it decodes it and then decodes every content once more from
// its raw text, which made it most of the cost of translating a long history; the
// hand-written reader below takes the shapes clients send in one pass and gives
// anything else (a key in another case, a repeated key, text that is not UTF-8, a
// number where a string goes…) to encoding/json. FuzzOpenAIRequestReader holds
// the two to the same result.
func readOpenAIRequest(body []byte) (oaRequest, error) {
	var in oaRequest
	var x dataset.JSONLexer
	x.Reset(body)
	if fastOpenAIRequest(&x, &in) && x.End() {
		return in, nil
	}
	in = oaRequest{}
	if err := json.Unmarshal(body, &in); err != nil {
		return in, fmt.Errorf("read openai request: %w", err)
	}
	return in, nil
}

// contentParts is the message's content as parts: what the reader kept, or
// Content read now.
func (m *oaMessage) contentParts() ([]oaPart, error) {
	if m.partsRead {
		return m.parts, nil
	}
	return openaiContent(m.Content)
}

var oaRequestFields = []string{"model", "messages", "max_tokens", "max_completion_tokens", "temperature",
	"top_p", "stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
	"reasoning_effort", "response_format", "user"}

func fastOpenAIRequest(x *dataset.JSONLexer, r *oaRequest) bool {
	// The parts of all messages share one array; each message's are a slice of it.
	parts := make([]oaPart, 0, 4)
	return x.Object(oaRequestFields, func(k int) bool {
		switch k {
		case 0:
			return x.String(&r.Model)
		case 1:
			return readSlice(x, &r.Messages, func(m *oaMessage) bool { return fastOpenAIMessage(x, m, &parts) })
		case 2:
			return readPtr(x, &r.MaxTokens, x.Int)
		case 3:
			return readPtr(x, &r.MaxCompletionTokens, x.Int)
		case 4:
			return readPtr(x, &r.Temperature, func(f *float64) bool { return readFloat(x, f) })
		case 5:
			return readPtr(x, &r.TopP, func(f *float64) bool { return readFloat(x, f) })
		case 6:
			return readRaw(x, &r.Stop)
		case 7:
			return x.Bool(&r.Stream)
		case 8:
			return readPtr(x, &r.StreamOptions, func(o *oaStreamOpts) bool {
				return x.Object([]string{"include_usage"}, func(int) bool { return x.Bool(&o.IncludeUsage) })
			})
		case 9:
			return readSlice(x, &r.Tools, func(t *oaTool) bool { return fastOpenAITool(x, t) })
		case 10:
			return readRaw(x, &r.ToolChoice)
		case 11:
			return readPtr(x, &r.ParallelToolCalls, x.Bool)
		case 12:
			return x.String(&r.ReasoningEffort)
		case 13:
			return readRaw(x, &r.ResponseFormat)
		default:
			return x.String(&r.User)
		}
	})
}

var oaMessageFields = []string{"role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content",
	"reasoning", "thinking_blocks"}

func fastOpenAIMessage(x *dataset.JSONLexer, m *oaMessage, parts *[]oaPart) bool {
	return x.Object(oaMessageFields, func(k int) bool {
		switch k {
		case 0:
			return readName(x, &m.Role, "user", "assistant", "system", "tool", "developer")
		case 1:
			return fastOpenAIContent(x, m, parts)
		case 2:
			return x.String(&m.Name)
		case 3:
			return readSlice(x, &m.ToolCalls, func(c *oaToolCall) bool { return fastOpenAIToolCall(x, c) })
		case 4:
			return x.String(&m.ToolCallID)
		case 5:
			return x.String(&m.ReasoningContent)
		case 6:
			return x.String(&m.Reasoning)
		default:
			return readSlice(x, &m.ThinkingBlocks, func(b *thinkingBlock) bool {
				return x.Object([]string{"index", "type", "thinking", "signature", "data"}, func(k int) bool {
					switch k {
					case 0:
						return readPtr(x, &b.Index, x.Int)
					case 1:
						return readName(x, &b.Type, "thinking", "redacted_thinking")
					case 2:
						return x.String(&b.Thinking)
					case 3:
						return x.String(&b.Signature)
					default:
						return x.String(&b.Data)
					}
				})
			})
		}
	})
}

// fastOpenAIContent reads a message's content: its raw text into Content, as
// encoding/json would, and a string or a list of parts into m.parts as well,
// appended to *parts. Another value (a number, an object) stays raw, for
// openaiContent to refuse.
func fastOpenAIContent(x *dataset.JSONLexer, m *oaMessage, parts *[]oaPart) bool {
	var (
		start = x.Offset()
		first = len(*parts)
		ok    bool
	)
	switch x.Peek() {
	case '"':
		var s []byte
		if s, ok = x.Str(); ok {
			*parts = append(*parts, oaPart{Type: "text", Text: string(s)})
			m.parts, m.partsRead = (*parts)[first:len(*parts):len(*parts)], true
		}
	case '[':
		ok = x.Array(func() bool {
			*parts = append(*parts, oaPart{})
			return fastOpenAIPart(x, &(*parts)[len(*parts)-1])
		})
		// Not nil for [], as encoding/json reads it: parts always has an array.
		m.parts, m.partsRead = (*parts)[first:len(*parts):len(*parts)], true
	case 'n':
		// null: encoding/json gives json.RawMessage the text "null".
		ok = x.Null()
		m.parts, m.partsRead = nil, true
	default:
		_, ok = x.Value()
		m.parts, m.partsRead = nil, false
	}
	m.Content = x.Since(start)
	return ok
}

func fastOpenAIPart(x *dataset.JSONLexer, p *oaPart) bool {
	return x.Object([]string{"type", "text", "image_url"}, func(k int) bool {
		switch k {
		case 0:
			return readName(x, &p.Type, "text", "image_url")
		case 1:
			return x.String(&p.Text)
		default:
			return readPtr(x, &p.ImageURL, func(u *oaImageURL) bool {
				return x.Object([]string{"url", "detail"}, func(k int) bool {
					if k == 0 {
						return x.String(&u.URL)
					}
					return x.String(&u.Detail)
				})
			})
		}
	})
}

func fastOpenAIToolCall(x *dataset.JSONLexer, c *oaToolCall) bool {
	return x.Object([]string{"index", "id", "type", "function", "extra_content"}, func(k int) bool {
		switch k {
		case 0:
			return readPtr(x, &c.Index, x.Int)
		case 1:
			return x.String(&c.ID)
		case 2:
			return readName(x, &c.Type, "function")
		case 3:
			if x.Null() {
				return true
			}
			return x.Object([]string{"name", "arguments"}, func(k int) bool {
				if k == 0 {
					return x.String(&c.Function.Name)
				}
				return x.String(&c.Function.Arguments)
			})
		default:
			return readPtr(x, &c.ExtraContent, func(e *oaExtraContent) bool {
				return x.Object([]string{"google"}, func(int) bool {
					return readPtr(x, &e.Google, func(g *oaGoogleExtra) bool {
						return x.Object([]string{"thought_signature"}, func(int) bool { return x.String(&g.ThoughtSignature) })
					})
				})
			})
		}
	})
}

func fastOpenAITool(x *dataset.JSONLexer, t *oaTool) bool {
	return x.Object([]string{"type", "function"}, func(k int) bool {
		if k == 0 {
			return readName(x, &t.Type, "function")
		}
		if x.Null() {
			return true
		}
		f := &t.Function
		return x.Object([]string{"name", "description", "parameters", "strict"}, func(k int) bool {
			switch k {
			case 0:
				return x.String(&f.Name)
			case 1:
				return x.String(&f.Description)
			case 2:
				return readRaw(x, &f.Parameters)
			default:
				return readPtr(x, &f.Strict, x.Bool)
			}
		})
	})
}

// readName reads a string into *dst as String does, taking the one of names it
// equals rather than a copy.
func readName(x *dataset.JSONLexer, dst *string, names ...string) bool {
	if x.Null() {
		return true
	}
	s, ok := x.Str()
	if !ok {
		return false
	}
	for _, n := range names {
		if string(s) == n {
			*dst = n
			return true
		}
	}
	*dst = string(s)
	return true
}

// readSlice reads an array into *dst as encoding/json does: null leaves *dst
// (nil here), [] makes it empty, not nil.
func readSlice[T any](x *dataset.JSONLexer, dst *[]T, elem func(*T) bool) bool {
	if x.Null() {
		return true
	}
	s := make([]T, 0, 1)
	ok := x.Array(func() bool {
		var zero T
		s = append(s, zero)
		return elem(&s[len(s)-1])
	})
	*dst = s
	return ok
}

// readPtr reads a value into a new *T, as encoding/json does a pointer field:
// null sets it to nil.
func readPtr[T any](x *dataset.JSONLexer, dst **T, read func(*T) bool) bool {
	if x.Null() {
		*dst = nil
		return true
	}
	v := new(T)
	*dst = v
	return read(v)
}

// readRaw keeps a value's text, as a json.RawMessage field does (null included).
func readRaw(x *dataset.JSONLexer, dst *json.RawMessage) bool {
	v, ok := x.Value()
	*dst = v
	return ok
}

// readFloat reads a number as encoding/json reads it into a float64.
func readFloat(x *dataset.JSONLexer, dst *float64) bool {
	s, ok := x.Number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(s), 64)
	*dst = f
	return err == nil
}
