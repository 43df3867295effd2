//go:build !linux || !cgo

package cmem

// LimitArenas does nothing here: only glibc has arenas to cap.
func LimitArenas(int) {}

// Trim does nothing here.
func Trim() {}

// MmapAbove does nothing here.
func MmapAbove(int) {}
