package cmem

import "testing"

// TestCallsAreSafe calls the functions as llmtap does; they must neither fail nor
// crash, with or without glibc.
func TestCallsAreSafe(t *testing.T) {
	LimitArenas(2)
	MapLarge(1 << 20)
	Trim()
	Trim()
}
