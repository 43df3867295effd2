package translate

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The hot path of a stream is one small delta event in, one small chunk out, and
// encoding/json's reflection was most of its cost. These helpers read and write
// exactly the common shapes; anything else falls back to encoding/json, and a
// differential fuzz test holds both to the same output.

// jsonScan reads a JSON text left to right.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (s *jsonScan) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// raw reads a string and returns its bytes between the quotes, still escaped.
func (s *jsonScan) raw() (raw []byte, escaped, ok bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	s.i++
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], escaped, true
		case c == '\\':
			escaped = true
			s.i += 2
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
}

// key reads an object key that needs no decoding (every key these shapes have).
func (s *jsonScan) key() ([]byte, bool) {
	k, escaped, ok := s.raw()
	return k, ok && !escaped && s.consume(':')
}

// str reads a string and returns it decoded.
func (s *jsonScan) str() (string, bool) {
	start := s.i
	raw, escaped, ok := s.raw()
	switch {
	case !ok:
		return "", false
	case !escaped && utf8.Valid(raw):
		return string(raw), true
	}
	var out string
	if json.Unmarshal(s.b[start:s.i], &out) != nil {
		return "", false
	}
	return out, true
}

// small reads a non-negative integer of a few digits.
func (s *jsonScan) small() (int, bool) {
	s.ws()
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' && s.i-start < 9 {
		s.i++
	}
	if s.i == start || (s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9') ||
		(s.b[start] == '0' && s.i-start > 1) { // JSON has no leading zeros
		return 0, false
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	return n, err == nil
}

// end reports whether only whitespace is left.
func (s *jsonScan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// fastAnthropicDelta reads a content_block_delta event whose delta has a type and
// one string field, in any key order, into index and d. It reports false for anything
// else, which the caller then reads with encoding/json.
func fastAnthropicDelta(data []byte, index *int, d *anDelta) bool {
	s := jsonScan{b: data}
	if !s.consume('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		if s.consume('}') {
			break
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.key()
		if !ok {
			return false
		}
		switch string(key) {
		case "type":
			v, escaped, ok := s.raw()
			if !ok || escaped || string(v) != "content_block_delta" {
				return false
			}
			seen |= 1
		case "index":
			n, ok := s.small()
			if !ok {
				return false
			}
			*index = n
			seen |= 2
		case "delta":
			if !fastDeltaBody(&s, d) {
				return false
			}
			seen |= 4
		default:
			return false
		}
	}
	return seen == 7 && s.end()
}

func fastDeltaBody(s *jsonScan, d *anDelta) bool {
	if !s.consume('{') {
		return false
	}
	for first := true; ; first = false {
		if s.consume('}') {
			return d.Type != ""
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.key()
		if !ok {
			return false
		}
		if string(key) == "type" {
			v, escaped, ok := s.raw()
			if !ok || escaped {
				return false
			}
			switch string(v) {
			case "text_delta":
				d.Type = "text_delta"
			case "input_json_delta":
				d.Type = "input_json_delta"
			case "thinking_delta":
				d.Type = "thinking_delta"
			case "signature_delta":
				d.Type = "signature_delta"
			default:
				return false
			}
			continue
		}
		v, ok := s.str()
		if !ok {
			return false
		}
		switch string(key) {
		case "text":
			d.Text = v
		case "partial_json":
			d.PartialJSON = v
		case "thinking":
			d.Thinking = v
		case "signature":
			d.Signature = v
		default:
			return false
		}
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json.Marshal
// writes it: HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// null consumes a JSON null.
func (s *jsonScan) null() bool {
	s.ws()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// strOrNull reads a string or null ("" for null).
func (s *jsonScan) strOrNull() (string, bool) {
	if s.null() {
		return "", true
	}
	return s.str()
}

// integer skips a JSON integer that fits an int64 (OpenAI's created).
func (s *jsonScan) integer() bool {
	s.ws()
	start := s.i
	for s.i < len(s.b) && (s.b[s.i] >= '0' && s.b[s.i] <= '9' || s.i == start && s.b[s.i] == '-') {
		s.i++
	}
	var n int64
	return s.i > start && json.Unmarshal(s.b[start:s.i], &n) == nil
}

// fastChunk is what fastOpenAIChunk reads from a chunk that carries text only.
type fastChunk struct {
	id, model                       []byte // as in the event, free of escapes
	content, reasoning, reasoningOR string
}

// fastOpenAIChunk reads a chat.completion.chunk with one choice whose delta
// holds only a role, content and reasoning text: no tool calls, no
// finish_reason, no usage. Anything else reports false.
func fastOpenAIChunk(data []byte, c *fastChunk) bool {
	s := jsonScan{b: data}
	if !s.consume('{') {
		return false
	}
	choices := false
	for first := true; ; first = false {
		if s.consume('}') {
			return choices && s.end()
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.key()
		if !ok {
			return false
		}
		switch string(key) {
		case "id", "model":
			v, escaped, ok := s.raw()
			if !ok || escaped || !utf8.Valid(v) {
				return false
			}
			if key[0] == 'i' {
				c.id = v
			} else {
				c.model = v
			}
		case "object", "system_fingerprint", "service_tier", "obfuscation":
			if _, ok := s.strOrNull(); !ok {
				return false
			}
		case "created":
			if !s.integer() {
				return false
			}
		case "usage":
			if !s.null() {
				return false
			}
		case "choices":
			if choices || !s.consume('[') || !fastChoice(&s, c) || !s.consume(']') {
				return false
			}
			choices = true
		default:
			return false
		}
	}
}

func fastChoice(s *jsonScan, c *fastChunk) bool {
	if !s.consume('{') {
		return false
	}
	delta := false
	for first := true; ; first = false {
		if s.consume('}') {
			return delta
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.key()
		if !ok {
			return false
		}
		switch string(key) {
		case "index":
			if n, ok := s.small(); !ok || n != 0 {
				return false
			}
		case "logprobs", "finish_reason":
			if !s.null() {
				return false
			}
		case "delta":
			if delta || !fastChunkDelta(s, c) {
				return false
			}
			delta = true
		default:
			return false
		}
	}
}

func fastChunkDelta(s *jsonScan, c *fastChunk) bool {
	if !s.consume('{') {
		return false
	}
	for first := true; ; first = false {
		if s.consume('}') {
			return true
		}
		if !first && !s.consume(',') {
			return false
		}
		key, ok := s.key()
		if !ok {
			return false
		}
		var v string
		switch string(key) {
		case "role", "content", "reasoning_content", "reasoning":
			if v, ok = s.strOrNull(); !ok {
				return false
			}
		case "refusal":
			if !s.null() {
				return false
			}
			continue
		default:
			return false
		}
		switch string(key) {
		case "content":
			c.content = v
		case "reasoning_content":
			c.reasoning = v
		case "reasoning":
			c.reasoningOR = v
		}
	}
}
