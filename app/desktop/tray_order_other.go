//go:build !darwin

package desktop

// trayBeforeWindow: elsewhere the tray starts from OnStartup, beside the window.
const trayBeforeWindow = false
