package inflight

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestGroup(t *testing.T) {
	tests := []struct {
		name        string
		work        []time.Duration // how long each piece runs, started before Wait
		deadline    time.Duration
		wantRunning int
	}{
		{"nothing_running", nil, time.Second, 0},
		{"done_before_the_deadline", []time.Duration{10 * time.Millisecond, 500 * time.Millisecond}, time.Second, 0},
		{"one_past_the_deadline", []time.Duration{10 * time.Millisecond, 5 * time.Second}, time.Second, 1},
		// The work ended before the deadline passed, though Wait is called after it:
		// done, not a timeout (a WaitGroup in a select would say either).
		{"done_and_deadline_past", []time.Duration{0}, 0, 0},
		{"deadline_already_past", []time.Duration{time.Hour}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g Group
				for _, d := range tt.work {
					if !g.Start() {
						t.Fatal("Start refused before Close")
					}
					go func() {
						time.Sleep(d)
						g.Done()
					}()
				}
				synctest.Wait() // work of no duration is done now
				ctx, cancel := context.WithTimeout(t.Context(), tt.deadline)
				defer cancel()
				running, err := g.Wait(ctx)
				if running != tt.wantRunning || (err != nil) != (tt.wantRunning > 0) {
					t.Errorf("Wait = %d, %v; want %d running", running, err, tt.wantRunning)
				}
				if err != nil && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Wait error = %v, want the deadline's", err)
				}
				if g.Start() {
					t.Error("Start accepted work after Wait")
				}
				time.Sleep(time.Hour) // let the rest finish inside the bubble
			})
		})
	}
}

// TestGroupRace: Start, Done, Close and Wait from many goroutines at once (go test -race).
func TestGroupRace(t *testing.T) {
	var g Group
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if g.Start() {
				g.Done()
			}
		})
	}
	wg.Go(g.Close)
	if _, err := g.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}
