package dataset

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonLexer reads the few JSON shapes that stream chunks are made of, without
// reflection, for the parsers' fast paths (issue 11: encoding/json was two thirds
// of the time spent on a 2 MB stream). It is strict on purpose: whenever
// encoding/json could read the input differently from a plain reading (a key that
// only matches a field case-insensitively, a repeated key, a string that is not
// valid UTF-8, a number where a string goes, an element that is null, very deep
// nesting), a method returns false and the caller decodes the chunk with
// encoding/json instead. Every method that returns false leaves the lexer in an
// unspecified place; the caller then drops it.
type jsonLexer struct {
	b       []byte
	i       int
	scratch []byte // unescaped text of the last string read with escapes
	// owned says b is a body the parse owns (ParseOwned): a long message text may
	// use its memory, and be decoded where it lies.
	owned bool
	// refuseSnake makes the next object refuse keys holding "_" (see geminiObject).
	refuseSnake bool
}

// maxSkipDepth bounds the nesting the lexer skips over; deeper input goes to
// encoding/json, which has its own limit.
const maxSkipDepth = 64

func (l *jsonLexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// end reports whether only whitespace is left.
func (l *jsonLexer) end() bool {
	l.ws()
	return l.i == len(l.b)
}

func (l *jsonLexer) peek() byte {
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// null consumes a null literal if one comes next.
func (l *jsonLexer) null() bool {
	if bytes.HasPrefix(l.b[l.i:], []byte("null")) {
		l.i += 4
		return true
	}
	return false
}

// object reads an object whose keys are matched against fields: field(k) reads the
// value of fields[k]; values of other keys are checked and skipped.
func (l *jsonLexer) object(fields []string, field func(k int) bool) bool {
	return l.objectAt(fields, field, 0)
}

// objectAt is object for an object nested depth levels inside skipped values.
func (l *jsonLexer) objectAt(fields []string, field func(k int) bool, depth int) bool {
	snake := l.refuseSnake
	l.refuseSnake = false
	if l.peek() != '{' {
		return false
	}
	l.i++
	l.ws()
	if l.peek() == '}' {
		l.i++
		return true
	}
	var seen uint64
	for {
		key, ok := l.str()
		if !ok {
			return false
		}
		if snake && bytes.IndexByte(key, '_') >= 0 {
			return false
		}
		k := fieldIndex(fields, key)
		if k == -2 || k >= 0 && seen&(1<<k) != 0 {
			return false // encoding/json would merge or fold this key
		}
		l.ws()
		if l.peek() != ':' {
			return false
		}
		l.i++
		l.ws()
		if k < 0 {
			ok = l.skip(depth)
		} else {
			seen |= 1 << k
			ok = field(k)
		}
		if !ok {
			return false
		}
		if more, ok := l.sep('}'); !more {
			return ok
		}
	}
}

// fieldIndex is the index of key in fields, -1 when it names none of them, and -2
// when it matches one only case-insensitively, as encoding/json would also accept.
func fieldIndex(fields []string, key []byte) int {
	for k, f := range fields {
		if string(key) == f {
			return k
		}
	}
	for _, f := range fields {
		if strings.EqualFold(string(key), f) {
			return -2
		}
	}
	return -1
}

// array reads an array, calling elem for each element; null elements are refused
// (encoding/json leaves a zero element for them).
func (l *jsonLexer) array(elem func() bool) bool {
	return l.elements(func() bool { return l.peek() != 'n' && elem() })
}

// elements reads an array, calling elem for each element.
func (l *jsonLexer) elements(elem func() bool) bool {
	if l.peek() != '[' {
		return false
	}
	l.i++
	l.ws()
	if l.peek() == ']' {
		l.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		if more, ok := l.sep(']'); !more {
			return ok
		}
	}
}

// raw checks and passes over any value and returns its text, as a
// json.RawMessage field would hold it (a copy, so it outlives the input).
func (l *jsonLexer) raw() ([]byte, bool) {
	start := l.i
	ok := l.skip(0)
	return append([]byte(nil), l.b[start:l.i]...), ok
}

// stringField reads a string into *dst; null leaves *dst as it is, as encoding/json does.
func (l *jsonLexer) stringField(dst *string) bool {
	if l.null() {
		return true
	}
	s, ok := l.str()
	if ok {
		*dst = string(s)
	}
	return ok
}

// intField reads an integer into *dst; null leaves it, and a fraction or an
// exponent is refused.
func (l *jsonLexer) intField(dst *int) bool {
	if l.null() {
		return true
	}
	start := l.i
	if !l.number() {
		return false
	}
	n, err := strconv.ParseInt(string(l.b[start:l.i]), 10, 0)
	*dst = int(n)
	return err == nil
}

// str reads a string and returns its text, which stays valid until the next
// call. Text that is not valid UTF-8 is refused (encoding/json would replace it).
func (l *jsonLexer) str() ([]byte, bool) {
	if l.peek() != '"' {
		return nil, false
	}
	l.i++
	start := l.i
	l.i = stringRun(l.b, l.i)
	if l.i == len(l.b) {
		return nil, false
	}
	switch l.b[l.i] {
	case '"':
		s := l.b[start:l.i]
		l.i++
		return s, utf8.Valid(s)
	case '\\':
		return l.unescape(start)
	}
	return nil, false // a control byte
}

// unescape finishes a string that holds escapes, from its first byte at start, as
// encoding/json unquotes it (an unpaired surrogate becomes U+FFFD).
func (l *jsonLexer) unescape(start int) ([]byte, bool) {
	out := l.scratch[:0]
	if n := min(len(l.b)-start, 64<<10); cap(out) < n {
		// Sized at once to what is left of the input, up to 64 KiB: a streamed
		// reply has a lexer per event, and each grew its scratch by doubling
		// through the event's text (~1.3 ms of a 2 MB reply of prose).
		out = make([]byte, 0, n)
	}
	out = append(out, l.b[start:l.i]...)
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			l.scratch = out
			return out, utf8.Valid(out)
		case c < ' ':
			return nil, false
		case c != '\\':
			// The run up to the next quote, escape or control byte, at once.
			n := stringRun(l.b, l.i+1)
			out = append(out, l.b[l.i:n]...)
			l.i = n
			continue
		}
		if l.i+1 >= len(l.b) {
			return nil, false
		}
		e := l.b[l.i+1]
		l.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := l.hex4()
			if r < 0 {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				// A pair is taken whole; anything else leaves U+FFFD and is read on its own.
				next := rune(-1)
				if l.i+1 < len(l.b) && l.b[l.i] == '\\' && l.b[l.i+1] == 'u' {
					save := l.i
					l.i += 2
					next = l.hex4()
					l.i = save
				}
				if d := utf16.DecodeRune(r, next); d != unicode.ReplacementChar {
					r = d
					l.i += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	return nil, false
}

// sep reads what follows a member or an element: a comma (more follow) or the
// closing bracket; ok is false when it is neither.
func (l *jsonLexer) sep(closing byte) (more, ok bool) {
	l.ws()
	switch l.peek() {
	case ',':
		l.i++
		l.ws()
		return true, true
	case closing:
		l.i++
		return false, true
	}
	return false, false
}

// JSONLexer is jsonLexer for the fast paths of other packages (gateway/translate
// reads OpenAI requests with it), so that llmtap has one strict JSON reader. Its
// rule is jsonLexer's: a method that returns false means "read this with
// encoding/json", and leaves the lexer in an unspecified place. A value is read
// where the lexer stands: Reset, Object, Array and the readers of a value leave
// it at the next value.
type JSONLexer struct{ l jsonLexer }

// Reset starts reading b at its first value.
func (x *JSONLexer) Reset(b []byte) {
	x.l = jsonLexer{b: b, scratch: x.l.scratch[:0]}
	x.l.ws()
}

// Object reads an object: field(k) reads the value of the key fields[k]; values
// of other keys are checked and skipped. A key repeated, or matching a field only
// case-insensitively, is refused. fields holds at most 64 names.
func (x *JSONLexer) Object(fields []string, field func(k int) bool) bool {
	return x.l.object(fields, field)
}

// Array reads an array, calling elem for each element; a null element is refused.
func (x *JSONLexer) Array(elem func() bool) bool { return x.l.array(elem) }

// Str reads a string; its text stays valid until the next string is read. Text
// that is not valid UTF-8 is refused.
func (x *JSONLexer) Str() ([]byte, bool) { return x.l.str() }

// String reads a string into *dst; null leaves *dst, as encoding/json does.
func (x *JSONLexer) String(dst *string) bool { return x.l.stringField(dst) }

// Int reads an integer into *dst; null leaves it.
func (x *JSONLexer) Int(dst *int) bool { return x.l.intField(dst) }

// Bool reads true or false into *dst; null leaves it.
func (x *JSONLexer) Bool(dst *bool) bool { return x.l.boolField(dst) }

// Number reads a number and returns its text (aliasing the input).
func (x *JSONLexer) Number() ([]byte, bool) {
	start := x.l.i
	ok := x.l.number()
	return x.l.b[start:x.l.i], ok
}

// Value checks and passes over any value and returns its text, aliasing the input.
func (x *JSONLexer) Value() ([]byte, bool) {
	start := x.l.i
	ok := x.l.skip(0)
	return x.l.b[start:x.l.i], ok
}

// Null consumes a null if one comes next.
func (x *JSONLexer) Null() bool { return x.l.null() }

// Peek is the first byte of the next value, 0 at the end.
func (x *JSONLexer) Peek() byte { return x.l.peek() }

// Offset is where the lexer stands in its input.
func (x *JSONLexer) Offset() int { return x.l.i }

// Since is the input from offset start to where the lexer stands.
func (x *JSONLexer) Since(start int) []byte { return x.l.b[start:x.l.i] }

// End reports whether only whitespace is left.
func (x *JSONLexer) End() bool { return x.l.end() }
