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
	tests := []struct {
		name    string
		send    func(chan<- error) // what the writer does, in its own goroutine
		wantErr string             // "" for nil
		late    bool               // no answer at first
	}{
		{"written", func(c chan<- error) { c <- nil }, "", false},
		{"written_late", func(c chan<- error) { time.Sleep(time.Minute); c <- nil }, "", true},
		{"write_failed", func(c chan<- error) { c <- errWrite }, "disk full", false},
		{"never_written", func(chan<- error) {}, "was not written within 2m0s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ready := make(chan error, 1)
				d := &fileDrag{path: "/data/exports/drag/1/chats.json", ready: ready}
				go tt.send(ready)
				if tt.late && d.answered() {
					t.Error("answered() before the writer said anything")
				}
				// Several drop requests at once (a target may ask more than once) get one answer.
				var wg sync.WaitGroup
				got := make([]error, 3)
				for i := range got {
					wg.Go(func() { got[i] = d.wait() })
				}
				wg.Wait()
				if !d.answered() {
					t.Error("answered() = false after wait returned")
				}
				for i, err := range append(got, d.wait()) {
					if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
						t.Errorf("wait() #%d = %v, want %q", i, err, tt.wantErr)
					}
				}
			})
		})
	}
}
