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

// dragReadyTimeout bounds how long a drop waits for the file, counted from the drop
// (not from the start of the drag, which may be held for as long as the person likes).
// The export is usually written long before the person lets go; the wait blocks the
// drop target meanwhile.
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

	once    sync.Once
	written chan struct{} // closed once err holds the writer's answer
	err     error

	dropOnce sync.Once
	expired  chan struct{} // closed dragReadyTimeout after the drop began to wait
}

// wait is for the drop: it returns nil once the file is completely written, or why it
// is not (its write failed, or took longer than dragReadyTimeout from the first call of
// wait or answered). It blocks until then; it may be called from any goroutine.
func (d *fileDrag) wait() error {
	d.watch()
	select {
	case <-d.written:
		return d.err
	case <-d.dropClock():
		select {
		case <-d.written: // both at once: the file is the better answer
			return d.err
		default:
			return fmt.Errorf("%s was not written within %v of the drop", d.path, dragReadyTimeout)
		}
	}
}

// answered is wait without blocking, for an OS layer that must keep its window's loop
// running while the file is written: whether wait would return at once. Like wait, it
// starts the drop's clock.
func (d *fileDrag) answered() bool {
	d.watch()
	expired := d.dropClock()
	select {
	case <-d.written:
		return true
	case <-expired:
		return true
	default:
		return false
	}
}

// writeFailed reports, without blocking and at any time during the drag, whether
// writing the file has already failed (so the drag can end early). It does not start
// the drop's clock.
func (d *fileDrag) writeFailed() bool {
	d.watch()
	select {
	case <-d.written:
		return d.err != nil
	default:
		return false
	}
}

// watch starts, once, the goroutine that takes the writer's answer.
func (d *fileDrag) watch() {
	d.once.Do(func() {
		d.written = make(chan struct{})
		go func() {
			d.err = <-d.ready
			close(d.written)
		}()
	})
}

// dropClock returns a channel closed dragReadyTimeout after its first call: the drop.
func (d *fileDrag) dropClock() <-chan struct{} {
	d.dropOnce.Do(func() {
		d.expired = make(chan struct{})
		time.AfterFunc(dragReadyTimeout, func() { close(d.expired) })
	})
	return d.expired
}
