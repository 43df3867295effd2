package app

import (
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/llmtap/llmtap/internal/cmem"
)

// returnMemoryEvery bounds how often a burst's end gives memory back to the OS.
const returnMemoryEvery = 5 * time.Second

// memoryReturner gives the heap the capture indexer no longer uses back to the OS
// once a burst of captures is stored. Go's scavenger would return it too, but only
// over minutes; someone watching llmtap idle in a task manager expects it small.
// The full collection it runs costs about a millisecond at llmtap's idle heap.
type memoryReturner struct {
	mu   sync.Mutex
	last time.Time
}

func (m *memoryReturner) afterBurst() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.last) < returnMemoryEvery {
		return
	}
	m.last = time.Now()
	debug.FreeOSMemory()
	cmem.Trim() // SQLite's share: what parsing and indexing large bodies freed
}

// DefaultMemoryLimit is the Go runtime's soft memory limit in a running llmtap,
// unless GOMEMLIMIT sets one. Bodies pass through llmtap in bursts (a 30 MB request
// is read, logged and parsed), and without a limit the collector lets the heap grow
// to twice the peak of the last burst before it looks again. Near the limit it
// collects more often instead; it is soft, so work with a larger live heap (a big
// export) still runs, at some CPU cost, and never fails for it.
const DefaultMemoryLimit = 80 << 20

// cArenas caps the C heap's arenas (SQLite's memory): two threads rarely contend
// for it at once here, and each extra arena keeps freed memory of its own.
const cArenas = 2

// LimitMemory applies DefaultMemoryLimit unless the GOMEMLIMIT environment variable
// sets a limit of its own, and caps the C heap's arenas. Both shells call it once
// at start.
func LimitMemory() {
	cmem.LimitArenas(cArenas)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}
