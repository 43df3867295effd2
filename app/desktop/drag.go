package desktop

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Dragging a file out of the window (app.Config.StartDrag). Wails v2 has no drag
// source, so each OS has its own in drag_<os>.go, with exactly this signature:
//
//	// startFileDrag begins a native OS drag of one file out of the window; the mouse
//	// button is down when it is called. path is where the file will be; ready yields
//	// once, nil when the file is completely written there or the error that stopped it.
//	// The OS layer hands the path to the drop target only after ready said nil (at drop
//	// time), so a large export can be written while the person drags. It returns once
//	// the drag began (not when it ended), or an error if it could not begin.
//	func startFileDrag(path string, ready <-chan error) error
//
// The page starts it: its dragstart handler cancels the webview's own drag and posts
// /api/drag, whose handler calls startDrag while the button is still held.

// dragReadyTimeout bounds how long a drop waits for the file. The export is usually
// written long before the person lets go; the wait blocks the drop target meanwhile.
const dragReadyTimeout = 2 * time.Minute

// startDrag is the desktop app's app.Config.StartDrag.
func startDrag(_ context.Context, path string, ready <-chan error) error {
	return startFileDrag(path, ready)
}

// fileDrag is one drag in progress, for the OS layers: the file and its readiness.
// The zero value of the other fields is ready for use.
type fileDrag struct {
	path  string
	ready <-chan error

	once sync.Once
	done chan struct{} // closed once err holds the answer
	err  error
}

// wait returns nil once the file is completely written, or why it is not (its
// write failed, or took longer than dragReadyTimeout). It blocks until then; every
// call, from any goroutine, gets the same answer.
func (d *fileDrag) wait() error {
	d.watch()
	<-d.done
	return d.err
}

// answered reports, without blocking, whether wait has its answer: an OS layer that
// must keep its window's loop running while the file is written polls it.
func (d *fileDrag) answered() bool {
	d.watch()
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// watch starts, once, the goroutine that waits for ready and records the answer.
func (d *fileDrag) watch() {
	d.once.Do(func() {
		d.done = make(chan struct{})
		go func() {
			defer close(d.done)
			t := time.NewTimer(dragReadyTimeout)
			defer t.Stop()
			select {
			case d.err = <-d.ready:
			case <-t.C:
				d.err = fmt.Errorf("%s was not written within %v", d.path, dragReadyTimeout)
			}
		}()
	})
}
