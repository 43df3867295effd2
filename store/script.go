package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scripts written without spaces between words (Chinese, Japanese, Korean's
// syllables with their particles attached, Thai, Lao, Khmer, Myanmar) are indexed
// in script_fts as pairs of characters (migration 0016): each run of such
// characters becomes its overlapping pairs and its last character, and a query is
// rewritten the same way, so that any word of one or more characters inside a run
// is found.

// unspaced reports whether r belongs to a script written without spaces.
func unspaced(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0EFF: // Thai, Lao
		return true
	case r <= 0x109F:
		return r >= 0x1000 // Myanmar
	case r <= 0x11FF:
		return true // Hangul Jamo
	case r <= 0x17FF:
		return r >= 0x1780 // Khmer
	case r <= 0x2FDF:
		return r >= 0x2E80 // CJK radicals, Kangxi radicals
	case r <= 0x30FF:
		// 々〆〇, Hangzhou numerals, kana (with ー, without ・ and ゠)
		return r == 0x3005 || r == 0x3006 || r == 0x3007 || (r >= 0x3021 && r <= 0x3029) ||
			(r >= 0x3041 && r <= 0x30FF && r != 0x30A0 && r != 0x30FB)
	case r <= 0x318F:
		return r >= 0x3130 // Hangul compatibility jamo
	case r <= 0x31FF:
		return r >= 0x31F0 // Katakana phonetic extensions
	case r <= 0x9FFF:
		return r >= 0x3400 // CJK unified ideographs and extension A
	case r <= 0xD7AF:
		return r >= 0xAC00 // Hangul syllables
	case r <= 0xFAFF:
		return r >= 0xF900 // CJK compatibility ideographs
	case r <= 0xFF9F:
		return r >= 0xFF66 // halfwidth katakana
	default:
		return r >= 0x20000 && r <= 0x323AF // CJK extensions B–H
	}
}

// hasUnspaced reports whether s holds a character of a script written without
// spaces. Text of ASCII only is answered without decoding it.
func hasUnspaced(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unspaced(r) {
			return true
		}
		i += n
	}
	return false
}

// isMark reports whether r is a combining mark: Thai vowels and tones are, and they
// belong to the character before them.
func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) }

// unspacedRun returns the characters (a base with its marks) of the run of unspaced
// script that starts s, and the run's length in bytes; none when s does not start
// with one.
func unspacedRun(s string) (chars []string, n int) {
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !unspaced(r) {
			break
		}
		end := n + size
		for end < len(s) {
			m, msize := utf8.DecodeRuneInString(s[end:])
			if !isMark(m) {
				break
			}
			end += msize
		}
		chars = append(chars, s[n:end])
		n = end
	}
	return chars, n
}

// pairs returns the overlapping pairs of chars: 成都美食 gives 成都 都美 美食.
func pairs(chars []string) []string {
	out := make([]string, 0, len(chars)-1)
	for i := 0; i+1 < len(chars); i++ {
		out = append(out, chars[i]+chars[i+1])
	}
	return out
}

// scriptText is the text script_fts indexes for s: every run of unspaced script
// written as its pairs and its last character (成都美食 → 成都 都美 美食 食), the
// rest as it is. The last character stands alone so that a one-character query,
// run as a prefix, also finds a run's last character.
func scriptText(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); {
		chars, n := unspacedRun(s[i:])
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		b.WriteByte(' ')
		for _, p := range pairs(chars) {
			b.WriteString(p)
			b.WriteByte(' ')
		}
		b.WriteString(chars[len(chars)-1])
		b.WriteByte(' ')
		i += n
	}
	return b.String()
}

// scriptQuery rewrites an FTS5 query for script_fts: each run of unspaced script
// becomes the phrase of its pairs ("日本語" → "日本 本語"; inside a quoted phrase,
// the pairs join it), and a run of one character a prefix ("美"*), which finds it as
// the first of a pair or as a run's last character. The rest of the query is kept.
func scriptQuery(q string) string {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(q); {
		chars, n := unspacedRun(q[i:])
		if n == 0 {
			if q[i] == '"' {
				if inQuote && i+1 < len(q) && q[i+1] == '"' { // "" inside a string
					b.WriteString(`""`)
					i += 2
					continue
				}
				inQuote = !inQuote
			}
			_, size := utf8.DecodeRuneInString(q[i:])
			b.WriteString(q[i : i+size])
			i += size
			continue
		}
		i += n
		terms := chars
		if len(chars) > 1 {
			terms = pairs(chars)
		}
		words := strings.Join(terms, " ")
		starred := strings.HasPrefix(q[i:], "*")
		switch {
		case inQuote:
			b.WriteString(" " + words + " ")
		case starred: // the query's own prefix mark follows
			b.WriteString(` "` + words + `"`)
		case len(chars) == 1:
			b.WriteString(` "` + words + `"* `)
		default:
			b.WriteString(` "` + words + `" `)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
