package cmem

import "testing"

// TestCallsAreSafe calls the functions as llmtap does; they must neither fail nor
// crash, with or without glibc.
func TestCallsAreSafe(t *testing.T) {
	LimitArenas(2)
	MmapAbove(4 << 20)
	Trim()
	Trim()
}
