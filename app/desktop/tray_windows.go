package desktop

import (
	"runtime"

	"fyne.io/systray"
)

// start runs the tray's Win32 message loop on a thread of its own, as systray
// requires on Windows. The returned func ends it.
func (t *tray) start() (end func()) {
	go func() {
		runtime.LockOSThread()
		systray.Run(t.onReady, nil)
	}()
	return func() {
		close(t.stop)
		systray.Quit()
	}
}
