//go:build linux && cgo

package cmem

/*
#include <malloc.h>
*/
import "C"

// LimitArenas caps glibc's malloc arenas at n. Call it early, before the threads
// that would create more arenas run.
func LimitArenas(n int) { C.mallopt(C.M_ARENA_MAX, C.int(n)) }

// Trim returns the free memory at the top of the C heap, and free pages inside
// it, to the OS.
func Trim() { C.malloc_trim(0) }
