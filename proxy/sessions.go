package proxy

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// sessions are the upgraded connections (WebSocket sessions) in progress. net/http
// forgets a connection once it is hijacked, so http.Server.Shutdown neither ends nor
// waits for them; Server.Shutdown does both, so that each one's handshake reaches the
// Sink before the caller closes it.
type sessions struct {
	mu      sync.Mutex
	closing bool
	open    map[*session]struct{}
	wg      sync.WaitGroup // from begin to end of each session
}

// session is one upgraded exchange, from the upstream's 101 until it is captured.
type session struct {
	set     *sessions
	closers []io.Closer
}

// begin counts a new session, or refuses it once shutdown has begun.
func (ss *sessions) begin() (*session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return nil, false
	}
	s := &session{set: ss}
	if ss.open == nil {
		ss.open = make(map[*session]struct{})
	}
	ss.open[s] = struct{}{}
	ss.wg.Add(1)
	return s, true
}

// attach gives the session's connections to shutdown to close; once shutdown has
// begun they are closed at once.
func (s *session) attach(cs ...io.Closer) {
	s.set.mu.Lock()
	defer s.set.mu.Unlock()
	if s.set.closing {
		for _, c := range cs {
			c.Close()
		}
		return
	}
	s.closers = append(s.closers, cs...)
}

// end marks the session over: its exchange has gone to the Sink.
func (s *session) end() {
	s.set.mu.Lock()
	delete(s.set.open, s)
	s.set.mu.Unlock()
	s.set.wg.Done()
}

// shutdown refuses new sessions, closes the open ones and waits until each has ended,
// or until ctx ends. A session has no natural end (a Realtime conversation lasts as
// long as its client likes), so it is cut at once rather than given until the deadline.
func (ss *sessions) shutdown(ctx context.Context) error {
	ss.mu.Lock()
	ss.closing = true
	n := len(ss.open)
	for s := range ss.open {
		for _, c := range s.closers {
			c.Close()
		}
	}
	ss.mu.Unlock()
	done := make(chan struct{})
	go func() {
		ss.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%d upgraded sessions (WebSocket) not ended: %w", n, ctx.Err())
	}
}
