package dataset

import (
	"strings"
	"testing"
)

// refStringRun is stringRun a byte at a time.
func refStringRun(b []byte, i int) int {
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < ' ' {
			return i
		}
	}
	return len(b)
}

func TestStringRun(t *testing.T) {
	tests := []string{
		"", "plain", `a"b`, `0123456789abcdef"`, `成都美食很好吃\n`, "x\x1fy", "\x7f\x80\xff\xc2\xa0 ok",
		strings.Repeat("a", 15) + `\`, strings.Repeat("语", 9) + "\x00",
	}
	for _, s := range tests {
		for i := 0; i <= len(s); i++ {
			if got, want := stringRun([]byte(s), i), refStringRun([]byte(s), i); got != want {
				t.Errorf("stringRun(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	}
}

func FuzzStringRun(f *testing.F) {
	f.Add([]byte(`{"content":"line one\nline \"two\""}`), uint8(0))
	f.Add([]byte("\x1f\x20\x21\x22\x5b\x5c\x5d\x7f\x80\xa2\xdc"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, from uint8) {
		i := min(int(from), len(b))
		if got, want := stringRun(b, i), refStringRun(b, i); got != want {
			t.Fatalf("stringRun(%q, %d) = %d, want %d", b, i, got, want)
		}
	})
}
