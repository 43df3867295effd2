package desktop

// trayBeforeWindow: macOS needs the tray started on the main thread before wails.Run.
const trayBeforeWindow = true
