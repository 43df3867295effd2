package dataset

import "bytes"

// The token readers of jsonLexer: numbers, escapes, and values it checks and
// skips because no field keeps them. They accept exactly what encoding/json's
// scanner accepts, so a chunk the fast path takes is one json.Unmarshal takes.

// hex4 reads the four hex digits of a \u escape; -1 when they are not there.
func (l *jsonLexer) hex4() rune {
	if l.i+4 > len(l.b) {
		return -1
	}
	var r rune
	for _, c := range l.b[l.i : l.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	l.i += 4
	return r
}

// number reads a number as the JSON grammar spells it.
func (l *jsonLexer) number() bool {
	start := l.i
	if l.peek() == '-' {
		l.i++
	}
	switch c := l.peek(); {
	case c == '0':
		l.i++
	case '1' <= c && c <= '9':
		l.digits()
	default:
		return false
	}
	if l.peek() == '.' {
		l.i++
		if !l.digits() {
			return false
		}
	}
	if c := l.peek(); c == 'e' || c == 'E' {
		l.i++
		if c := l.peek(); c == '+' || c == '-' {
			l.i++
		}
		if !l.digits() {
			return false
		}
	}
	return l.i > start
}

// digits reads one or more decimal digits.
func (l *jsonLexer) digits() bool {
	start := l.i
	for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
		l.i++
	}
	return l.i > start
}

// skip checks and passes over any value, as encoding/json would accept it in a
// field it does not keep (its strings need not be valid UTF-8).
func (l *jsonLexer) skip(depth int) bool {
	switch c := l.peek(); {
	case c == '"':
		return l.skipString()
	case c == '{':
		if depth >= maxSkipDepth {
			return false
		}
		return l.objectAt(nil, nil, depth+1)
	case c == '[':
		if depth >= maxSkipDepth {
			return false
		}
		return l.skipArray(depth + 1)
	case c == '-' || '0' <= c && c <= '9':
		return l.number()
	}
	for _, lit := range [...]string{"null", "true", "false"} {
		if bytes.HasPrefix(l.b[l.i:], []byte(lit)) {
			l.i += len(lit)
			return true
		}
	}
	return false
}

func (l *jsonLexer) skipString() bool {
	l.i++ // the opening quote
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch {
		case c == '"':
			return true
		case c < ' ':
			return false
		case c == '\\':
			if l.i >= len(l.b) {
				return false
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if l.hex4() < 0 {
					return false
				}
			default:
				return false
			}
		}
	}
	return false
}

func (l *jsonLexer) skipArray(depth int) bool {
	return l.elements(func() bool { return l.skip(depth) })
}
