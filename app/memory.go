package app

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/llmtap/llmtap/internal/cmem"
)

const (
	// settleAfterBurst is how long the indexer must stay idle before memory is given
	// back: a burst that pauses briefly is not over.
	settleAfterBurst = time.Second
	// lateRelease gives memory back once more after the database has closed the
	// connections the burst opened (store closes them after 20 s idle), which
	// hold SQLite's page caches in the C heap.
	lateRelease = 30 * time.Second
)

// memoryReturner gives the memory a burst of captures used back to the OS once the
// burst is over. Go's scavenger would return the Go heap too, but only over
// minutes, and glibc keeps what SQLite freed; someone watching llmtap idle in a
// task manager expects it small. Each release runs two full collections, about a
// millisecond each at llmtap's idle heap.
type memoryReturner struct {
	mu          sync.Mutex
	soon, later *time.Timer
	// drop, when set, lets go of what is kept only to go faster (the store's
	// indexes of recent request bodies), before each release.
	drop func()
}

// afterBurst is the capture indexer's idle hook: it (re)arms both releases.
func (m *memoryReturner) afterBurst() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.soon == nil {
		m.soon = time.AfterFunc(settleAfterBurst, m.release)
		m.later = time.AfterFunc(lateRelease, m.release)
		return
	}
	m.soon.Reset(settleAfterBurst)
	m.later.Reset(lateRelease)
}

// stop cancels releases not yet run.
func (m *memoryReturner) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.soon != nil {
		m.soon.Stop()
		m.later.Stop()
	}
}

func (m *memoryReturner) release() {
	if m.drop != nil {
		m.drop()
	}
	release()
}

func release() {
	// sync.Pool keeps what it held one collection longer (its victim cache): the
	// first collection moves the idle zstd coders (internal/zpool) there, the
	// second frees them, and FreeOSMemory returns the pages.
	runtime.GC()
	debug.FreeOSMemory()
	cmem.Trim() // SQLite's share: what parsing and indexing large bodies freed
}

// releaseAfterBig gives back the memory of a big body the indexer has just stored
// (capture.Config.AfterBig), before the next one is decoded: otherwise the
// collector and the scavenger free the last 30 MB body only once the next is
// already resident beside it, and a run of them peaked ~15 MB higher (e2e/load
// TestPeakMemory: 91-108 MB, 84-88 with this). It costs one collection of a small
// heap (a millisecond or two) per big body, which takes hundreds to store.
func releaseAfterBig() {
	debug.FreeOSMemory()
	cmem.Trim()
}

// DefaultMemoryLimit is the Go runtime's soft memory limit in a running llmtap,
// unless GOMEMLIMIT sets one. Bodies pass through llmtap in bursts (a 30 MB request
// is read, logged and parsed), and without a limit the collector lets the heap grow
// to twice the peak of the last burst before it looks again. Near the limit it
// collects more often instead, and gives freed memory back to the OS sooner; it is
// soft, so work with a larger live heap (a big export) still runs, at some CPU
// cost, and never fails for it. 48 MiB leaves room for what is live at the worst
// peak measured (~36 MB: a 30 MB request indexed, two more arriving) and keeps the
// process under 100 MB with its ~25 MB of mapped binary and the C heap. Measured in
// the same minutes (e2e/load TestPeakMemory, three runs each), 48 MiB against 56:
// 30 MB requests 77-78 MB against 86-88, 512 KiB histories 76-78 against 81-84,
// 2 MB replies 83-87 against 81-87, at the same CPU; 80 MiB let 30 MB requests
// peak at 128-131 MB.
const DefaultMemoryLimit = 48 << 20

// cArenas caps the C heap's arenas (SQLite's memory): two threads rarely contend
// for it at once here, and each extra arena keeps freed memory of its own.
const cArenas = 2

// cMmapAbove is the C allocation size from which a block gets a mapping of its own,
// held fixed (cmem.MmapAbove): glibc's own threshold rises with the big blocks SQLite
// frees, and freed memory then stays resident. Blocks under it (a 2 MB row) come
// from the arenas, reused without page faults (a 256 KiB threshold cost ~3 ms of CPU
// per 2 MB reply); over it (reading back a 30 MB message, which the store joins from
// its 1 MiB parts), from mappings given back when freed (glibc kept 115 MB of them
// after six 30 MB requests, when SQLite still bound and wrote such a text whole).
const cMmapAbove = 4 << 20

// LimitMemory applies DefaultMemoryLimit unless the GOMEMLIMIT environment variable
// sets a limit of its own, caps the C heap's arenas and keeps big C blocks out of
// them. Both shells call it once at start.
func LimitMemory() {
	cmem.LimitArenas(cArenas)
	cmem.MmapAbove(cMmapAbove)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}
