package app

import (
	"context"
	"fmt"
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
	if !a.background.Start() {
		return nil, errQuitting
	}
	ctx, cancel := context.WithTimeout(a.life, timeout)
	go func() {
		defer a.background.Done()
		defer cancel()
		work(ctx)
	}()
	return cancel, nil
}

// stopBackground cancels the background work and refuses more; Shutdown calls it first.
func (a *App) stopBackground() {
	a.background.Close()
	a.endLife()
}

// waitBackground waits for the background work until ctx ends.
func (a *App) waitBackground(ctx context.Context) error {
	if n, err := a.background.Wait(ctx); err != nil {
		return fmt.Errorf("%d background tasks (dragged exports) still running: %w", n, err)
	}
	return nil
}
