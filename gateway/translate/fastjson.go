package translate

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The hot path of a stream is one small delta event in, one small chunk out, and
// encoding/json's reflection was most of its cost. These helpers read and write
// exactly the common shapes; anything else falls back to encoding/json, and a
// differential fuzz test holds both to the same output.

// jsonScan reads a JSON text left to right.
type jsonScan struct {
	b       []byte
	i       int
	scratch []byte // where str decodes strings with escapes
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

// oneOf reads a string value that must be one of names, written without escapes,
// and returns that name (the constant, so nothing is allocated).
func (s *jsonScan) oneOf(names ...string) (string, bool) {
	v, escaped, ok := s.raw()
	if !ok || escaped {
		return "", false
	}
	for _, n := range names {
		if string(v) == n {
			return n, true
		}
	}
	return "", false
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

// str reads a string and returns it decoded, as encoding/json would: the bytes
// between the quotes themselves when they hold no escape and are valid UTF-8,
// else the string decoded onto the end of s.scratch. Either way the result
// aliases memory the caller lent, so it is valid only while data and the
// scratch buffer are; nothing is allocated once scratch has grown.
func (s *jsonScan) str() ([]byte, bool) {
	raw, escaped, ok := s.raw()
	switch {
	case !ok:
		return nil, false
	case !escaped && utf8.Valid(raw):
		return raw, true
	}
	start := len(s.scratch)
	s.scratch, ok = unquoteAppend(s.scratch, raw)
	return s.scratch[start:], ok
}

// unquoteAppend appends the JSON string whose bytes between the quotes are raw,
// decoded as encoding/json decodes it: invalid UTF-8 and unpaired surrogates
// become U+FFFD. It reports false for an escape JSON does not have.
func unquoteAppend(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				return dst, false
			}
			i += 2
			switch e := raw[i-1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(raw[i-2:])
				if r < 0 {
					return dst, false
				}
				i += 4
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, hex4(raw[i:])); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
			default:
				return dst, false
			}
		case c < 0x20:
			return dst, false
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			dst = utf8.AppendRune(dst, r)
			i += size
		}
	}
	return dst, true
}

// hex4 reads the rune of a "\uXXXX" escape at the start of b, -1 when there is none.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
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
	n := 0
	for _, c := range s.b[start:s.i] {
		n = n*10 + int(c-'0')
	}
	return n, true
}

// end reports whether only whitespace is left.
func (s *jsonScan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// fastDelta is what fastAnthropicDelta reads: anDelta's string fields, as bytes
// that alias the event or scratch.
type fastDelta struct {
	Type                                   string
	Text, PartialJSON, Thinking, Signature []byte
	scratch                                []byte // lent to the reader for strings with escapes
}

// fastAnthropicDelta reads a content_block_delta event whose delta has a type and
// one string field, in any key order, into index and d. It reports false for anything
// else, which the caller then reads with encoding/json.
func fastAnthropicDelta(data []byte, index *int, d *fastDelta) bool {
	s := jsonScan{b: data, scratch: d.scratch[:0]}
	defer func() { d.scratch = s.scratch }()
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

func fastDeltaBody(s *jsonScan, d *fastDelta) bool {
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
			if d.Type, ok = s.oneOf("text_delta", "input_json_delta", "thinking_delta", "signature_delta"); !ok {
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
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
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
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
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

// strOrNull reads a string or null (empty for null).
func (s *jsonScan) strOrNull() ([]byte, bool) {
	if s.null() {
		return nil, true
	}
	return s.str()
}

// integer skips a JSON integer that fits an int64 (OpenAI's created): an
// optional minus, then 0 or digits without a leading zero, at most 18 of them
// (anything longer falls back to encoding/json).
func (s *jsonScan) integer() bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - start
	if n == 0 || n > 18 || (s.b[start] == '0' && n > 1) {
		return false
	}
	// A fraction or exponent makes it a float, which an int64 refuses.
	return s.i == len(s.b) || (s.b[s.i] != '.' && s.b[s.i] != 'e' && s.b[s.i] != 'E')
}

// fastChunk is what fastOpenAIChunk reads from a chunk that carries text only.
type fastChunk struct {
	id, model                       []byte // as in the event, free of escapes
	content, reasoning, reasoningOR []byte // alias the event or scratch
	scratch                         []byte // lent to the reader for strings with escapes
}

// fastOpenAIChunk reads a chat.completion.chunk with one choice whose delta
// holds only a role, content and reasoning text: no tool calls, no
// finish_reason, no usage. Anything else reports false.
func fastOpenAIChunk(data []byte, c *fastChunk) bool {
	s := jsonScan{b: data, scratch: c.scratch[:0]}
	defer func() { c.scratch = s.scratch }()
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
		var v []byte
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

// fastBareEvent reads an Anthropic event that has only a type and maybe an
// index — content_block_stop, message_stop, ping — into ev. It reports false for
// anything else, which the caller then reads with encoding/json.
func fastBareEvent(data []byte, ev *anEvent) bool {
	s := jsonScan{b: data}
	if !s.consume('{') {
		return false
	}
	for first := true; ; first = false {
		if s.consume('}') {
			return ev.Type != "" && s.end()
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
			var ok bool
			if ev.Type, ok = s.oneOf("content_block_stop", "message_stop", "ping"); !ok {
				return false
			}
		case "index":
			n, ok := s.small()
			if !ok {
				return false
			}
			ev.Index = n
		default:
			return false
		}
	}
}

// object reads an object, calling field with each key to read its value. A
// malformed object, or false from field, reports false.
func (s *jsonScan) object(field func(key []byte) bool) bool {
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
		if !ok || !field(key) {
			return false
		}
	}
}

// strInto reads a string into *dst.
func (s *jsonScan) strInto(dst *string) bool {
	v, ok := s.str()
	*dst = internStr(v)
	return ok
}

// internStr returns string(v), without allocating for the names a stream's
// events repeat (block types, roles, stop reasons).
func internStr(v []byte) string {
	switch string(v) {
	case "":
		return ""
	case "text":
		return "text"
	case "message":
		return "message"
	case "assistant":
		return "assistant"
	case "thinking":
		return "thinking"
	case "tool_use":
		return "tool_use"
	case "end_turn":
		return "end_turn"
	}
	return string(v)
}

// The text delta events of an Anthropic stream, as the API writes them, up to
// the index and from there to the text.
const (
	textDeltaHead = `{"type":"content_block_delta","index":`
	textDeltaMid  = `,"delta":{"type":"text_delta","text":"`
)

// jsonPlain marks the bytes a JSON string holds as they are and encoding/json
// writes as they are: printable ASCII but '"', '\' and the HTML characters it
// escapes.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return t
}()

// exactTextDelta reads a text delta event written exactly as the Anthropic API
// writes one, whose text encoding/json would write back byte for byte: it
// returns the block index and the text, still between its quotes (the same bytes
// decoded or encoded). Anything else reports false, for fastAnthropicDelta.
func exactTextDelta(data []byte) (index int, text []byte, ok bool) {
	if !bytes.HasPrefix(data, []byte(textDeltaHead)) {
		return 0, nil, false
	}
	s := jsonScan{b: data, i: len(textDeltaHead)}
	if c := data[s.i:]; len(c) == 0 || c[0] < '0' || c[0] > '9' { // no whitespace
		return 0, nil, false
	}
	if index, ok = s.small(); !ok || !bytes.HasPrefix(data[s.i:], []byte(textDeltaMid)) {
		return 0, nil, false
	}
	start := s.i + len(textDeltaMid)
	i, utf := start, false
	for ; i < len(data); i++ {
		if c := data[i]; !jsonPlain[c] {
			if c < utf8.RuneSelf {
				break
			}
			utf = true
		}
	}
	text = data[start:i]
	if string(data[i:]) != `"}}` {
		return 0, nil, false
	}
	// Beyond ASCII, the same bytes when they are valid UTF-8 without the two
	// line separators encoding/json escapes.
	if utf && (!utf8.Valid(text) || bytes.Contains(text, []byte("\u2028")) || bytes.Contains(text, []byte("\u2029"))) {
		return 0, nil, false
	}
	return index, text, true
}

// strPtrInto reads a string or null into *dst, as encoding/json does a *string.
func (s *jsonScan) strPtrInto(dst **string) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if *dst == nil {
		*dst = new(string)
	}
	return s.strInto(*dst)
}

// fastUsage reads an Anthropic usage object of token counts only.
func fastUsage(s *jsonScan, u *anUsage) bool {
	return s.object(func(key []byte) bool {
		var dst *int
		switch string(key) {
		case "input_tokens":
			dst = &u.InputTokens
		case "output_tokens":
			dst = &u.OutputTokens
		case "cache_creation_input_tokens":
			dst = &u.CacheCreationInputTokens
		case "cache_read_input_tokens":
			dst = &u.CacheReadInputTokens
		default:
			return false
		}
		n, ok := s.small()
		*dst = n
		return ok
	})
}

// anEventParts holds what an anEvent's pointers point to.
type anEventParts struct {
	msg   anResponse
	delta anDelta
	usage anUsage
	block anBlock
}

// fastMessageEvent reads the message_start, message_delta and
// content_block_start events of an Anthropic stream in their usual shapes (a
// message with no content yet; a stop reason and token counts; a text block)
// into ev. It reports false for anything else,
// which the caller then reads with encoding/json. The parts of ev it sets live in
// parts when given (a stream reuses them event after event), else are allocated.
func fastMessageEvent(data []byte, ev *anEvent, parts *anEventParts) bool {
	if parts == nil {
		parts = new(anEventParts)
	}
	s := jsonScan{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			var ok bool
			ev.Type, ok = s.oneOf("message_start", "message_delta", "content_block_start")
			return ok
		case "message":
			return fastStartMessage(&s, reuse(&ev.Message, &parts.msg))
		case "delta":
			d := reuse(&ev.Delta, &parts.delta)
			return s.object(func(key []byte) bool {
				switch string(key) {
				case "stop_reason":
					return s.strPtrInto(&d.StopReason)
				case "stop_sequence":
					return s.strPtrInto(&d.StopSequence)
				}
				return false
			})
		case "usage":
			return fastUsage(&s, reuse(&ev.Usage, &parts.usage))
		case "index":
			n, ok := s.small()
			ev.Index = n
			return ok
		case "content_block":
			b := reuse(&ev.ContentBlock, &parts.block)
			return s.object(func(key []byte) bool {
				switch string(key) {
				case "type":
					return s.strInto(&b.Type)
				case "text":
					return s.strInto(&b.Text)
				}
				return false
			})
		}
		return false
	})
	if !ok || !s.end() {
		return false
	}
	switch ev.Type {
	case "message_start":
		return ev.Delta == nil && ev.Usage == nil && ev.ContentBlock == nil
	case "message_delta":
		return ev.Message == nil && ev.ContentBlock == nil
	case "content_block_start":
		return ev.Message == nil && ev.Delta == nil && ev.Usage == nil && ev.ContentBlock != nil
	}
	return false
}

func fastStartMessage(s *jsonScan, m *anResponse) bool {
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return s.strInto(&m.ID)
		case "type":
			return s.strInto(&m.Type)
		case "role":
			return s.strInto(&m.Role)
		case "model":
			return s.strInto(&m.Model)
		case "content":
			if !s.consume('[') || !s.consume(']') {
				return false
			}
			m.Content = []anBlock{}
			return true
		case "stop_reason":
			return s.strPtrInto(&m.StopReason)
		case "stop_sequence":
			return s.strPtrInto(&m.StopSequence)
		case "usage":
			return fastUsage(s, &m.Usage)
		}
		return false
	})
}

// reuse returns *p, first pointing it at part, emptied, when it is nil: an event's
// member decoded into the parts a stream reuses rather than a new allocation.
func reuse[T any](p **T, part *T) *T {
	if *p == nil {
		var zero T
		*part = zero
		*p = part
	}
	return *p
}
