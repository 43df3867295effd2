//go:build !linux || !cgo

package cmem

// LimitArenas does nothing here: only glibc has arenas to cap.
func LimitArenas(int) {}

// MapLarge does nothing here: the threshold is glibc's.
func MapLarge(int) {}

// Trim does nothing here.
func Trim() {}
