package dataset

import "strings"

// Bounds of textBuf's blocks.
const (
	minTextBlock = 256
	maxTextBlock = 64 << 10
)

// textBuf collects a text that arrives in pieces (a streamed answer) in blocks
// that are never copied to grow, and joins them once, at the text's exact size. A
// strings.Builder grows by copies: a 2 MB answer streamed in 8 KiB pieces cost
// 10.5 MB of allocations to reassemble, all garbage but the last, and its string
// kept up to a quarter more than its length. The zero value is an empty text.
type textBuf struct {
	full [][]byte // filled blocks, in order
	cur  []byte   // the block being filled
	n    int
}

// WriteString appends s.
func (t *textBuf) WriteString(s string) {
	t.n += len(s)
	for len(s) > 0 {
		if len(t.cur) == cap(t.cur) {
			if t.cur != nil {
				t.full = append(t.full, t.cur)
			}
			t.cur = make([]byte, 0, min(max(2*cap(t.cur), minTextBlock), maxTextBlock))
		}
		k := copy(t.cur[len(t.cur):cap(t.cur)], s)
		t.cur, s = t.cur[:len(t.cur)+k], s[k:]
	}
}

// Len is the length of the text so far.
func (t *textBuf) Len() int { return t.n }

// String returns the text.
func (t *textBuf) String() string {
	if len(t.full) == 0 {
		return string(t.cur)
	}
	var b strings.Builder
	b.Grow(t.n)
	for _, p := range t.full {
		b.Write(p)
	}
	b.Write(t.cur)
	return b.String()
}
