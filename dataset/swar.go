package dataset

import (
	"encoding/binary"
	"math/bits"
)

// Eight bytes at a time: the scans of a long text (a JSON string's plain runs, the
// canonical form's verbatim prefix) test each byte against a few values, and a 2 MB
// reply is millions of bytes. The masks below are exact per byte (no carry crosses
// from one byte to the next), so any bit they set names a byte that matches.
const (
	swarOnes = 0x0101010101010101
	swarLow7 = 0x7f7f7f7f7f7f7f7f
	swarHigh = 0x8080808080808080
)

// swarEq marks (bit 7) each byte of w equal to c.
func swarEq(w uint64, c byte) uint64 {
	x := w ^ (swarOnes * uint64(c))
	return ^((x&swarLow7 + swarLow7) | x | swarLow7)
}

// swarLess marks (bit 7) each byte of w under n (n <= 0x80).
func swarLess(w uint64, n byte) uint64 {
	return ^((w&swarLow7 + swarOnes*uint64(0x80-n)) | w) & swarHigh
}

// stringRun returns the index of the first byte of b from i on that ends a run of a
// JSON string's plain bytes (a quote, a backslash or a control byte), or len(b).
func stringRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if m := swarEq(w, '"') | swarEq(w, '\\') | swarLess(w, ' '); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < ' ' {
			return i
		}
	}
	return len(b)
}
