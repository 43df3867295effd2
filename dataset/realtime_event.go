package dataset

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// RealtimeRecordable tells whether a Realtime API event (one WebSocket message,
// from either side) is worth recording. It is false only for the events that carry
// nothing but audio bytes, which would bloat storage: the client's
// input_audio_buffer.append and the server's response.audio.delta (GA name
// response.output_audio.delta). Anything it cannot judge, such as a message that
// is not valid JSON, is kept.
//
// It is called on every message of a session, so it reads no more than it must:
// it scans for the top-level "type" without decoding anything (the event is mostly
// base64 audio), and reads an audio event to its end only to make sure it is valid
// JSON. It does not retain event and is safe for concurrent use.
func RealtimeRecordable(event []byte) bool {
	tok, s, ok := realtimeTypeToken(event)
	if ok && (jsonStringIs(tok, "input_audio_buffer.append") ||
		jsonStringIs(tok, "response.audio.delta") || jsonStringIs(tok, "response.output_audio.delta")) {
		return !s.restOfObject()
	}
	return true
}

// realtimeEventType returns the type of an event, or "" when it has none.
func realtimeEventType(event []byte) string {
	tok, _, ok := realtimeTypeToken(event)
	if !ok {
		return ""
	}
	return unquoteJSON(tok)
}

// realtimeTypeToken returns the string token (quotes included) of the value of
// the first top-level "type" key of a JSON object, and the scanner left just after
// it; ok is false when event is no object with a string "type". What precedes the
// key is checked to be valid JSON; what follows it is not read.
func realtimeTypeToken(event []byte) (tok []byte, s jsonScanner, ok bool) {
	s = jsonScanner{b: event}
	s.space()
	if !s.eat('{') {
		return nil, s, false
	}
	for first := true; ; first = false {
		s.space()
		if !first {
			if !s.eat(',') { // '}' included: an object without a "type"
				return nil, s, false
			}
			s.space()
		}
		key, ok := s.str()
		if !ok {
			return nil, s, false
		}
		s.space()
		if !s.eat(':') {
			return nil, s, false
		}
		s.space()
		if jsonStringIs(key, "type") {
			val, ok := s.str()
			return val, s, ok
		}
		if !s.value(1) {
			return nil, s, false
		}
	}
}

// jsonStringIs tells whether a valid JSON string token holds want, without
// allocating unless the token has escapes.
func jsonStringIs(tok []byte, want string) bool {
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1:len(tok)-1]) == want
	}
	return unquoteJSON(tok) == want
}

// unquoteJSON returns the contents of a valid JSON string token.
func unquoteJSON(tok []byte) string {
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	json.Unmarshal(tok, &s) // cannot fail: jsonScanner.str checked the token
	return s
}

// jsonScanner checks JSON text as json.Valid does (same grammar, same nesting
// limit), without building anything, so a long string costs one pass over its bytes.
type jsonScanner struct {
	b []byte
	i int
}

// maxJSONDepth is encoding/json's nesting limit, so the scanner agrees with json.Valid.
const maxJSONDepth = 10000

// restOfObject reads the members that follow a value inside the top-level object,
// its closing brace and trailing space, and reports whether that is all valid.
func (s *jsonScanner) restOfObject() bool {
	for {
		s.space()
		if s.eat('}') {
			s.space()
			return s.i == len(s.b)
		}
		if !s.eat(',') {
			return false
		}
		s.space()
		if _, ok := s.str(); !ok {
			return false
		}
		s.space()
		if !s.eat(':') || !s.value(1) {
			return false
		}
	}
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// value reads one value nested depth containers deep, leading space included.
func (s *jsonScanner) value(depth int) bool {
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		return s.container(depth+1, '}')
	case '[':
		return s.container(depth+1, ']')
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}

// container reads an object or an array, from its opening bracket to end.
func (s *jsonScanner) container(depth int, end byte) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.i++
	s.space()
	if s.eat(end) {
		return true
	}
	for {
		if end == '}' {
			s.space()
			if _, ok := s.str(); !ok {
				return false
			}
			s.space()
			if !s.eat(':') {
				return false
			}
		}
		if !s.value(depth) {
			return false
		}
		s.space()
		if s.eat(end) {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// str reads a string and returns its token, quotes included.
func (s *jsonScanner) str() ([]byte, bool) {
	start := s.i
	if !s.eat('"') {
		return nil, false
	}
	for s.i < len(s.b) {
		s.plain()
		if s.i >= len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start:s.i], true
		case c == '\\':
			if !s.escape() {
				return nil, false
			}
		case c < 0x20:
			return nil, false
		default:
			s.i++
		}
	}
	return nil, false
}

// plain skips string bytes that need no checking (no control character, quote
// or backslash) eight at a time: the bulk of an audio event is such base64.
func (s *jsonScanner) plain() {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for s.i+8 <= len(s.b) {
		w := binary.LittleEndian.Uint64(s.b[s.i:])
		quote, backslash := w^(ones*'"'), w^(ones*'\\')
		// Each term is nonzero when some byte is below 0x20, or is zero once
		// the quote or the backslash is xored out (the classic "has zero byte" trick).
		if (w-ones*0x20)&^w&highs|(quote-ones)&^quote&highs|(backslash-ones)&^backslash&highs != 0 {
			return
		}
		s.i += 8
	}
}

// escape reads one backslash escape.
func (s *jsonScanner) escape() bool {
	s.i++
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i++
		return true
	case 'u':
		if s.i+4 >= len(s.b) {
			return false
		}
		for _, c := range s.b[s.i+1 : s.i+5] {
			if _, ok := unhex(c); !ok {
				return false
			}
		}
		s.i += 5
		return true
	}
	return false
}

func (s *jsonScanner) literal(word string) bool {
	if string(s.b[s.i:min(len(s.b), s.i+len(word))]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() bool {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') && !s.digits() {
		return false
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		return s.digits()
	}
	return true
}

// digits reads one or more decimal digits.
func (s *jsonScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
