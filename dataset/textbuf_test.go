package dataset

import (
	"strings"
	"testing"
)

func TestTextBuf(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
	}{
		{"empty", nil},
		{"empty_pieces", []string{"", "", ""}},
		{"one_small", []string{"hello"}},
		{"fills_the_first_block", []string{strings.Repeat("a", minTextBlock)}},
		{"one_past_a_block", []string{strings.Repeat("a", minTextBlock), "b"}},
		{"tokens", strings.Split(strings.Repeat("one token at a time ", 5000), " ")},
		{"big_pieces", []string{strings.Repeat("x", 3*maxTextBlock+7), strings.Repeat("y", 8<<10), "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf textBuf
			for _, p := range tt.pieces {
				buf.WriteString(p)
			}
			want := strings.Join(tt.pieces, "")
			if got := buf.String(); got != want {
				t.Errorf("String() = %d bytes, want %d (%.40q…)", len(got), len(want), want)
			}
			if buf.Len() != len(want) {
				t.Errorf("Len() = %d, want %d", buf.Len(), len(want))
			}
		})
	}
}

// FuzzTextBuf: however a text is cut into pieces, textBuf gives it back whole.
func FuzzTextBuf(f *testing.F) {
	f.Add("some text", uint16(3), uint16(1))
	f.Add(strings.Repeat("abc", 40000), uint16(9000), uint16(70))
	f.Fuzz(func(t *testing.T, text string, step, grow uint16) {
		var buf textBuf
		rest, n := text, int(step)+1
		for len(rest) > 0 {
			k := min(n, len(rest))
			buf.WriteString(rest[:k])
			rest, n = rest[k:], n+int(grow)
		}
		if got := buf.String(); got != text {
			t.Fatalf("String() = %d bytes, want the %d written", len(got), len(text))
		}
	})
}
