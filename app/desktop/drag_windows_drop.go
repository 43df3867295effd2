//go:build windows

package desktop

// The Windows drag while it runs, on the Wails window's thread inside DoDragDrop:
// when to drop, waiting for the file after the button is let go, and the mouse and
// keyboard state it looks at.

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// queryContinue is IDropSource::QueryContinueDrag, on the window's thread while
// DoDragDrop runs. When the button is let go before the file is complete, it waits for
// it here, so that DoDragDrop calls the target's Drop only once there is a whole file.
func (d *winDrag) queryContinue(escapePressed bool, keyState uint32) uint32 {
	d.began.Do(func() {
		// The drag is under way. Only now is ready ours to read: until startFileDrag
		// returned nil, its caller reads it itself when the drag fails to begin.
		d.begun.Store(true)
		d.start.done(nil)
	})
	if d.waiting {
		// Called again from a message dispatched by waitWritten: the answer is coming.
		return hrOK
	}
	switch nextDragStep(escapePressed, keyState) {
	case stepCancel:
		return hrDragDropSCancel
	case stepContinue:
		if d.writeFailed() {
			return hrDragDropSCancel
		}
		return hrOK
	}
	if droppedOnSelf() {
		return hrDragDropSCancel
	}
	d.waiting = true
	err := d.waitWritten()
	d.waiting = false
	if err != nil {
		return hrDragDropSCancel
	}
	return hrDragDropSDrop
}

// waitWritten waits for the file on the window's thread, dispatching the window's
// other messages meanwhile so it stays responsive. Input is held back: the drop point
// is fixed once the button is up. Escape cancels.
func (d *winDrag) waitWritten() error {
	for {
		if d.answered() {
			return d.wait()
		}
		if keyDown(vkEscape) {
			return errors.New("cancelled with Escape")
		}
		// Wake on a message, or after 50 ms to look at the file and Escape again.
		procMsgWaitForMultipleObjects.Call(0, 0, 50, qsAllInput, mwmoInputAvailable)
		if !dispatchNonInput() {
			return errors.New("the app is quitting")
		}
	}
}

// dispatchNonInput dispatches the thread's waiting messages other than mouse and
// keyboard input, which it drops. It returns false on WM_QUIT, which it posts again.
func dispatchNonInput() bool {
	var m winMsg
	for {
		if r, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0, pmRemove); r == 0 {
			return true
		}
		switch {
		case m.message == wmQuit:
			procPostQuitMessage.Call(m.wParam)
			return false
		case isInputMessage(m.message):
		default:
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
		}
	}
}

// droppedOnSelf reports whether the pointer is over one of llmtap's own windows,
// the webview included (its window is a child of the Wails window): dropping the file
// there would only open it in the page.
func droppedOnSelf() bool {
	var pt struct{ x, y int32 }
	if r, _, _ := procGetCursorPos.Call(uintptr(unsafe.Pointer(&pt))); r == 0 {
		return false
	}
	// WindowFromPoint takes the POINT by value: on 64-bit Windows in one register, x
	// in the low half.
	hwnd, _, _ := procWindowFromPoint.Call(uintptr(*(*uint64)(unsafe.Pointer(&pt))))
	if hwnd == 0 {
		return false
	}
	root, _, _ := procGetAncestor.Call(hwnd, gaRoot)
	var pid uint32
	if root == 0 {
		return false
	}
	if _, err := windows.GetWindowThreadProcessId(windows.HWND(root), &pid); err != nil {
		return false
	}
	return pid == windows.GetCurrentProcessId()
}

// primaryButton is the virtual key of the primary mouse button. GetAsyncKeyState reads
// the physical buttons, so swapped buttons make it the right one.
func primaryButton() uintptr {
	if swapped, _, _ := procGetSystemMetrics.Call(smSwapButton); swapped != 0 {
		return vkRButton
	}
	return vkLButton
}

// keyDown reports whether the key or mouse button vk is down now.
func keyDown(vk uintptr) bool {
	r, _, _ := procGetAsyncKeyState.Call(vk)
	return r&0x8000 != 0
}
