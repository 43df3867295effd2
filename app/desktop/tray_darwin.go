package desktop

import "fyne.io/systray"

// start on macOS must run on the main thread before wails.Run (systray's Cocoa
// setup cannot happen from OnStartup), so Run calls it before the window starts.
func (t *tray) start() (end func()) {
	start, stop := systray.RunWithExternalLoop(t.onReady, nil)
	start()
	return func() {
		close(t.stop)
		stop()
	}
}
