package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestShutdownStopsBackgroundWork: work that outlives its request (a dragged export) is
// cancelled when Shutdown begins, and Shutdown waits for it before closing the database,
// which the work can still use until it returns.
func TestShutdownStopsBackgroundWork(t *testing.T) {
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var usedDB atomic.Value // the error of a query made after the cancel
	if _, err := a.startBackground(time.Hour, func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // a write that takes a moment to notice
		_, err := a.db.Counts(context.Background())
		usedDB.Store(errOrNil{err})
	}); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got, ok := usedDB.Load().(errOrNil)
	if !ok {
		t.Fatal("Shutdown returned before the background work did")
	}
	if got.err != nil {
		t.Errorf("the background work found the database closed under it: %v", got.err)
	}
	if _, err := a.startBackground(time.Hour, func(context.Context) { t.Error("work ran after Shutdown") }); !errors.Is(err, errQuitting) {
		t.Errorf("startBackground after Shutdown = %v, want errQuitting", err)
	}
}

// TestShutdownBoundsBackgroundWork: work that ignores its context cannot hold Shutdown
// past its deadline; the error says what was still running.
func TestShutdownBoundsBackgroundWork(t *testing.T) {
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	if _, err := a.startBackground(time.Hour, func(context.Context) { <-release }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := a.Shutdown(ctx); err == nil {
		t.Error("Shutdown = nil with background work still running at its deadline")
	}
}

type errOrNil struct{ err error }

// TestShutdownStopsBackgroundWorkFirst: Shutdown waits up to its deadline for streams in
// flight; background work, which has no natural end, is cancelled before that wait, not
// after it, so that it is not still writing when the database closes.
func TestShutdownStopsBackgroundWorkFirst(t *testing.T) {
	events := make(chan string, 4)
	release := make(chan struct{})
	defer close(release)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n")
		w.(http.Flusher).Flush()
		select { // a stream that goes on until it is cut
		case <-r.Context().Done():
			events <- "stream cut"
		case <-release:
		}
	}))
	defer up.Close()
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir(), Target: up.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+a.ProxyAddr()+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	if _, err := a.startBackground(time.Hour, func(ctx context.Context) {
		<-ctx.Done()
		events <- "background canceled"
	}); err != nil {
		t.Fatal(err)
	}
	// The stream never ends, so Shutdown takes the whole deadline: long enough for the
	// cancelled work to say so on a loaded machine, short enough for a test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = a.Shutdown(ctx)
	if err != nil && strings.Contains(err.Error(), "background") {
		t.Errorf("Shutdown: %v", err)
	}
	if first := <-events; first != "background canceled" {
		t.Errorf("first %q, want the background work cancelled before the stream's deadline", first)
	}
}
