// Package inflight counts work in progress that a shutdown must stop and wait for,
// where the standard library does not: hijacked connections (WebSocket sessions),
// goroutines that outlive the request that started them. Unlike a sync.WaitGroup,
// a Group refuses new work once closed, and its wait says "done" whenever the work
// is done, even if the deadline passes at the same moment.
package inflight

import (
	"context"
	"sync"
)

// Group is a count of work in progress. The zero value is ready for use.
type Group struct {
	mu     sync.Mutex
	closed bool
	n      int
	idle   chan struct{} // made by Close; closed once closed and n == 0
}

// Start counts one more piece of work, or returns false once the group is closed.
// Each Start that returned true is matched by one Done.
func (g *Group) Start() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

// Done marks one piece of work over.
func (g *Group) Done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n <= 0 {
		panic("inflight: Done without Start")
	}
	g.n--
	if g.closed && g.n == 0 {
		close(g.idle)
	}
}

// Close refuses new work. It does not wait; calling it again does nothing.
func (g *Group) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	g.idle = make(chan struct{})
	if g.n == 0 {
		close(g.idle)
	}
}

// Wait closes the group and waits until its work is done, or until ctx ends. It
// returns how much work is still running then (0 when all is done) and, if any,
// ctx's error.
func (g *Group) Wait(ctx context.Context) (running int, err error) {
	g.Close()
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return 0, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.n == 0 {
			return 0, nil
		}
		return g.n, ctx.Err()
	}
}
