package proxy

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/llmtap/llmtap/internal/inflight"
)

// sessions are the upgraded connections (WebSocket sessions) in progress. net/http
// forgets a connection once it is hijacked, so http.Server.Shutdown neither ends nor
// waits for them; Server.Shutdown does both, so that each one's handshake reaches the
// Sink before the caller closes it.
type sessions struct {
	running inflight.Group // from begin to end of each session

	mu      sync.Mutex // guards the fields below
	closing bool
	open    map[*session]struct{}
}

// session is one upgraded exchange, from the upstream's 101 until it is captured.
type session struct {
	set     *sessions
	closers []io.Closer
}

// begin counts a new session, or refuses it once shutdown has begun.
func (ss *sessions) begin() (*session, bool) {
	if !ss.running.Start() {
		return nil, false
	}
	s := &session{set: ss}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.open == nil {
		ss.open = make(map[*session]struct{})
	}
	ss.open[s] = struct{}{}
	return s, true
}

// attach gives the session's connections to shutdown to close; once shutdown has
// begun they are closed at once.
func (s *session) attach(cs ...io.Closer) {
	s.set.mu.Lock()
	closing := s.set.closing
	if !closing {
		s.closers = append(s.closers, cs...)
	}
	s.set.mu.Unlock()
	if closing {
		for _, c := range cs {
			c.Close()
		}
	}
}

// end marks the session over: its exchange has gone to the Sink.
func (s *session) end() {
	s.set.mu.Lock()
	delete(s.set.open, s)
	s.set.mu.Unlock()
	s.set.running.Done()
}

// cut refuses new sessions and closes the open ones. A session has no natural end (a
// Realtime conversation lasts as long as its client likes), so it is cut at once
// rather than given until a deadline.
func (ss *sessions) cut() {
	ss.running.Close()
	ss.mu.Lock()
	ss.closing = true
	var closers []io.Closer
	for s := range ss.open {
		closers = append(closers, s.closers...)
	}
	ss.mu.Unlock()
	// Outside the lock: closing a TLS connection may wait on its peer.
	for _, c := range closers {
		c.Close()
	}
}

// shutdown cuts the sessions and waits until each has ended (its exchange has gone to
// the Sink), or until ctx ends.
func (ss *sessions) shutdown(ctx context.Context) error {
	ss.cut()
	if n, err := ss.running.Wait(ctx); err != nil {
		return fmt.Errorf("%d upgraded sessions (WebSocket) not ended: %w", n, err)
	}
	return nil
}
