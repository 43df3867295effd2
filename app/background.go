package app

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Background work is what outlives the request that started it: a dragged export is
// written while the person drags, after POST /api/drag has answered. It runs under the
// app's lifetime rather than a request's, so that Shutdown can stop it and wait for it
// before the database closes under it.

// errQuitting refuses new background work once Shutdown has begun.
var errQuitting = &apiError{status: http.StatusServiceUnavailable, msg: "llmtap is quitting"}

// startBackground runs work on its own goroutine with a context that ends after
// timeout, when the returned cancel is called, or when Shutdown begins. Shutdown waits
// for it. Once Shutdown has begun it runs nothing and returns errQuitting.
func (a *App) startBackground(timeout time.Duration, work func(ctx context.Context)) (cancel func(), err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.life.Err() != nil {
		return nil, errQuitting
	}
	ctx, cancel := context.WithTimeout(a.life, timeout)
	// Added under a.mu, which stopBackground takes before it waits: no Add races the Wait.
	a.background.Go(func() {
		defer cancel()
		work(ctx)
	})
	return cancel, nil
}

// stopBackground cancels the background work and waits for it until ctx ends.
func (a *App) stopBackground(ctx context.Context) error {
	a.mu.Lock()
	a.endLife()
	a.mu.Unlock()
	done := make(chan struct{})
	go func() {
		a.background.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("background work (a dragged export) still running at the deadline")
	}
}
