package dataset

import (
	"bytes"
	"encoding/json"
)

// Field names of the response structs, in the order the fast decoder switches on.
var (
	geminiChunkFields     = []string{"candidates", "usageMetadata", "modelVersion", "error", "promptFeedback"}
	geminiCandidateFields = []string{"index", "content", "finishReason"}
	geminiContentFields   = []string{"role", "parts"}
	geminiPartFields      = []string{"text", "thought", "thoughtSignature", "inlineData", "fileData", "functionCall", "functionResponse"}
	geminiUsageFields     = []string{"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "totalTokenCount", "cachedContentTokenCount"}
)

// decodeGeminiChunk decodes one GenerateContentResponse into a zero c, as
// json.Unmarshal would, and reports whether it could. Chunks of text and thought
// parts take a reflection-free path; anything else goes to encoding/json.
func decodeGeminiChunk(data []byte, c *geminiResponse) bool {
	if fastGeminiChunk(data, c) {
		return true
	}
	*c = geminiResponse{}
	return json.Unmarshal(data, c) == nil
}

// fastGeminiChunk is the reflection-free path of decodeGeminiChunk; false means
// it could not be sure to read data as encoding/json does.
func fastGeminiChunk(data []byte, c *geminiResponse) bool {
	*c = geminiResponse{}
	l := jsonLexer{b: data}
	l.ws()
	return l.object(geminiChunkFields, func(k int) bool {
		switch k {
		case 0:
			if l.null() {
				return true
			}
			c.Candidates = []geminiCandidate{}
			return l.array(func() bool {
				c.Candidates = append(c.Candidates, geminiCandidate{})
				return l.geminiCandidate(&c.Candidates[len(c.Candidates)-1])
			})
		case 1:
			if l.null() {
				return true
			}
			c.UsageMetadata = new(geminiUsage)
			return l.object(geminiUsageFields, func(k int) bool {
				u := c.UsageMetadata
				dst := [...]*int{&u.PromptTokenCount, &u.CandidatesTokenCount, &u.ThoughtsTokenCount, &u.TotalTokenCount, &u.CachedContentTokenCount}
				return l.intField(dst[k])
			})
		case 2:
			return l.stringField(&c.ModelVersion)
		case 3:
			raw, ok := l.raw()
			c.Error = raw
			return ok
		}
		return false // promptFeedback: left to encoding/json
	}) && l.end()
}

func (l *jsonLexer) geminiCandidate(c *geminiCandidate) bool {
	return l.object(geminiCandidateFields, func(k int) bool {
		switch k {
		case 0:
			if l.null() {
				return true
			}
			c.Index = new(int)
			return l.intField(c.Index)
		case 1:
			if l.null() {
				return true
			}
			c.Content = new(geminiContent)
			return l.geminiContent(c.Content)
		}
		return l.stringField(&c.FinishReason)
	})
}

// geminiContent reads a content as geminiContent.UnmarshalJSON does, for keys in
// lowerCamelCase only: a snake_case key would be renamed there, so it is refused.
func (l *jsonLexer) geminiContent(c *geminiContent) bool {
	return l.geminiObject(geminiContentFields, func(k int) bool {
		if k == 0 {
			return l.stringField(&c.Role)
		}
		if l.null() {
			return true
		}
		c.Parts = []geminiPart{}
		return l.array(func() bool {
			c.Parts = append(c.Parts, geminiPart{})
			return l.geminiPart(&c.Parts[len(c.Parts)-1])
		})
	})
}

func (l *jsonLexer) geminiPart(p *geminiPart) bool {
	return l.geminiObject(geminiPartFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&p.Text)
		case 1:
			return l.boolField(&p.Thought)
		case 2:
			return l.stringField(&p.ThoughtSignature)
		}
		return false // media and function parts: left to encoding/json
	})
}

// geminiObject is object for the types whose UnmarshalJSON renames snake_case
// keys (geminiUnmarshal): a key holding "_" is refused.
func (l *jsonLexer) geminiObject(fields []string, field func(k int) bool) bool {
	l.refuseSnake = true
	return l.object(fields, field)
}

// boolField reads true or false into *dst; null leaves it.
func (l *jsonLexer) boolField(dst *bool) bool {
	switch {
	case l.null():
	case bytes.HasPrefix(l.b[l.i:], []byte("true")):
		*dst = true
		l.i += 4
	case bytes.HasPrefix(l.b[l.i:], []byte("false")):
		*dst = false
		l.i += 5
	default:
		return false
	}
	return true
}
