package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// plainTitle removes Markdown emphasis from a title's text: roleplay chats open
// with actions in asterisks ("*waves* Hello"), which read as noise in a list of
// titles (issue 14). Runs of '*', '_' and '~' and backticks are dropped where they
// open or close a word; inside one ("5*3", "snake_case") they stay. Leading '#'
// and '>' markers of a heading or quote go too.
func plainTitle(s string) string {
	s = strings.TrimLeft(strings.TrimSpace(s), "#> ")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !emphasis(r) {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		j := i
		for j < len(s) && emphasis(rune(s[j])) {
			j++
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		if i > 0 && j < len(s) && wordRune(before) && wordRune(after) {
			b.WriteString(s[i:j]) // inside a word
		}
		i = j
	}
	return b.String()
}

// emphasis reports whether r is a Markdown emphasis or code marker.
func emphasis(r rune) bool { return r == '*' || r == '_' || r == '~' || r == '`' }

// wordRune reports whether r is part of a word rather than space or punctuation.
func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
