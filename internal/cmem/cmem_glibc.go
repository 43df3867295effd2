//go:build linux && cgo

package cmem

/*
#include <malloc.h>
*/
import "C"

// LimitArenas caps glibc's malloc arenas at n. Call it early, before the threads
// that would create more arenas run.
func LimitArenas(n int) { C.mallopt(C.M_ARENA_MAX, C.int(n)) }

// MapLarge makes every allocation of n bytes or more a mapping of its own, given
// back to the OS as soon as it is freed. glibc's own threshold rises to the size of
// the largest mapped block freed (up to 32 MiB): after one 30 MB block, the next
// ones come from the heap, and what they free stays in the process.
func MapLarge(n int) { C.mallopt(C.M_MMAP_THRESHOLD, C.int(n)) }

// Trim returns the free memory at the top of the C heap, and free pages inside
// it, to the OS.
func Trim() { C.malloc_trim(0) }
