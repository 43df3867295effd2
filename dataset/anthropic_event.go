package dataset

import "encoding/json"

// Field names of the stream event structs, in the order the fast decoder switches on.
var (
	anthropicEventFields = []string{"type", "index", "delta", "usage", "error", "message", "content_block"}
	anthropicDeltaFields = []string{"type", "text", "partial_json", "thinking", "signature", "stop_reason"}
	anthropicUsageFields = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
)

// decodeAnthropicEvent decodes one Messages stream event into a zero e, as
// json.Unmarshal would, and reports whether it could. Deltas and usage take a
// reflection-free path; message_start and content_block_start (once per message
// or block) and anything that path refuses go to encoding/json.
func decodeAnthropicEvent(data []byte, e *anthropicEvent) bool {
	if fastAnthropicEvent(data, e) {
		return true
	}
	*e = anthropicEvent{}
	return json.Unmarshal(data, e) == nil
}

// fastAnthropicEvent is the reflection-free path of decodeAnthropicEvent; false
// means it could not be sure to read data as encoding/json does.
func fastAnthropicEvent(data []byte, e *anthropicEvent) bool {
	*e = anthropicEvent{}
	l := jsonLexer{b: data}
	l.ws()
	return l.object(anthropicEventFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&e.Type)
		case 1:
			return l.intField(&e.Index)
		case 2:
			if l.null() {
				return true
			}
			e.Delta = new(anthropicDelta)
			return l.anthropicDelta(e.Delta)
		case 3:
			if l.null() {
				return true
			}
			e.Usage = new(anthropicUsage)
			return l.anthropicUsage(e.Usage)
		case 4:
			raw, ok := l.raw()
			e.Error = raw
			return ok
		}
		return false // message, content_block: left to encoding/json
	}) && l.end()
}

func (l *jsonLexer) anthropicDelta(d *anthropicDelta) bool {
	return l.object(anthropicDeltaFields, func(k int) bool {
		dst := [...]*string{&d.Type, &d.Text, &d.PartialJSON, &d.Thinking, &d.Signature, &d.StopReason}
		return l.stringField(dst[k])
	})
}

func (l *jsonLexer) anthropicUsage(u *anthropicUsage) bool {
	return l.object(anthropicUsageFields, func(k int) bool {
		dst := [...]*int{&u.InputTokens, &u.OutputTokens, &u.CacheCreationInputTokens, &u.CacheReadInputTokens}
		return l.intField(dst[k])
	})
}
