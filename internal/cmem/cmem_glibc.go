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

// MmapAbove serves allocations of n bytes or more from mappings of their own and
// keeps that threshold fixed. By default glibc raises it to the size of each mapped
// block freed (up to 32 MiB), and with it the free space the heap's top must reach
// before it is given back (twice the threshold): after a few 2 MB blocks (SQLite
// builds a row of a 2 MB reply in one) freed memory stayed resident, ~15 MB of peak
// RSS with 2 MB replies, and after one 30 MB block the next ones came from the heap
// and what they freed stayed (115 MB after six 30 MB requests). Call it early, as
// LimitArenas.
func MmapAbove(n int) { C.mallopt(C.M_MMAP_THRESHOLD, C.int(n)) }
