// Package cmem tunes the C heap that cgo libraries (SQLite) allocate from. On Linux
// with glibc, malloc gives each thread that contends for the heap an arena of its
// own (up to eight per core) and keeps freed memory in them: after a burst of large
// SQLite work a process can hold tens of megabytes it no longer uses. Elsewhere the
// functions do nothing.
//
// cmem knows nothing of llmtap; it imports the standard library only.
package cmem
