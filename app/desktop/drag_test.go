package desktop

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestFileDragWait(t *testing.T) {
	errWrite := errors.New("disk full")
	errGaveUp := errors.New("not written within 10m0s") // the app's own bound on the writer
	tests := []struct {
		name    string
		send    func(chan<- error) // what the writer does, in its own goroutine
		held    time.Duration      // how long the button is held before the drop
		wantErr string             // "" for nil
		late    bool               // no answer at the drop
	}{
		{"written", func(c chan<- error) { c <- nil }, 0, "", false},
		{"written_late", func(c chan<- error) { time.Sleep(time.Minute); c <- nil }, 0, "", true},
		{"write_failed", func(c chan<- error) { c <- errWrite }, 0, "disk full", false},
		{"never_written", func(c chan<- error) { time.Sleep(10 * time.Minute); c <- errGaveUp }, 0, "was not written within 2m0s of the drop", true},
		// The bound counts from the drop, not from the start of a long drag.
		{"long_drag_written_after_drop", func(c chan<- error) { time.Sleep(4 * time.Minute); c <- nil }, 3 * time.Minute, "", true},
		{"long_drag_failed_during_drag", func(c chan<- error) { time.Sleep(time.Minute); c <- errWrite }, 3 * time.Minute, "disk full", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ready := make(chan error, 1)
				d := &fileDrag{path: "/data/exports/drag/1/chats.json", ready: ready}
				go tt.send(ready)
				// During the drag, the OS layer asks whether the write failed (Windows does).
				for held := time.Duration(0); held < tt.held; held += time.Second {
					if d.writeFailed() {
						break
					}
					time.Sleep(time.Second)
				}
				synctest.Wait()
				if tt.late && d.answered() {
					t.Error("answered() before the writer said anything")
				}
				dropped := time.Now()
				// Several drop requests at once (a target may ask more than once) get one answer.
				var wg sync.WaitGroup
				got := make([]error, 3)
				for i := range got {
					wg.Go(func() { got[i] = d.wait() })
				}
				wg.Wait()
				if waited := time.Since(dropped); waited > dragReadyTimeout {
					t.Errorf("the drop waited %v, more than %v", waited, dragReadyTimeout)
				}
				if !d.answered() {
					t.Error("answered() = false after wait returned")
				}
				for i, err := range append(got, d.wait()) {
					if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
						t.Errorf("wait() #%d = %v, want %q", i, err, tt.wantErr)
					}
				}
				if got, want := d.writeFailed(), tt.wantErr == "disk full"; got != want {
					t.Errorf("writeFailed() = %v after the drop, want %v", got, want)
				}
				time.Sleep(10 * time.Minute) // let the writer finish
			})
		})
	}
}
