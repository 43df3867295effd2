package app

import (
	"runtime/debug"
	"sync"
	"time"
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
}
