package desktop

import "fyne.io/systray"

// startTray starts the tray beside Wails' GTK loop: on Linux systray speaks D-Bus
// only, so its external loop runs without a thread of its own. The returned func
// ends it.
func (t *tray) start() (end func()) {
	start, stop := systray.RunWithExternalLoop(t.onReady, nil)
	start()
	return func() {
		close(t.stop)
		stop()
	}
}
