package desktop

// Dragging a file out on Windows: OLE DoDragDrop with a CF_HDROP data object, in pure
// Go (no cgo).
//
// Which thread. DoDragDrop runs a modal loop that takes the mouse capture and makes
// progress only on the messages its thread receives. The press that starts the drag
// lands in WebView2's window, which belongs to another process but is a child of the
// Wails window, so Windows attaches the two threads' input: the Wails window's thread
// shares the press, the capture and the key state, and a drag started there tracks
// the mouse as one started by the webview would. A thread of our own does not: it
// has no capture, sees no mouse messages, and its key state says no button is down,
// so DoDragDrop would stall or drop at once. Tauri's drag plugin (drag-rs) and
// Chromium (Electron's webContents.startDrag) run DoDragDrop on the window's thread
// for this reason; GTK 4 runs it on a thread of its own only by feeding that thread
// wake-up messages and ignoring the key state DoDragDrop reports.
//
// Wails v2 has no public way to run code on its thread, so the first drag subclasses
// the Wails window (the foreground window, which has the press): dragWndProc stays in
// front of the window's own procedure for the life of the window, passing every other
// message on. A drag is queued and announced with a registered message, on which the
// window's thread runs it. (Putting the window's procedure back after each drag raced
// with the next drag's subclassing: a drag whose message arrived after the restore was
// lost.) DoDragDrop dispatches the window's other messages while it runs, so the
// window keeps painting and Wails keeps answering.

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Win32 constants (winuser.h, winbase.h).
const (
	gwlpWndProc        = ^uintptr(3) // GWLP_WNDPROC, -4
	gmemMoveable       = 0x0002
	wmNull             = 0x0000
	wmQuit             = 0x0012
	pmRemove           = 0x0001
	qsAllInput         = 0x04FF
	mwmoInputAvailable = 0x0004
	vkLButton          = 0x01
	vkRButton          = 0x02
	vkEscape           = 0x1B
	smSwapButton       = 23
	gaRoot             = 2
)

var (
	ole32    = windows.NewLazySystemDLL("ole32.dll")
	shell32  = windows.NewLazySystemDLL("shell32.dll")
	user32   = windows.NewLazySystemDLL("user32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	procOleInitialize             = ole32.NewProc("OleInitialize")
	procOleUninitialize           = ole32.NewProc("OleUninitialize")
	procDoDragDrop                = ole32.NewProc("DoDragDrop")
	procSHCreateStdEnumFmtEtc     = shell32.NewProc("SHCreateStdEnumFmtEtc")
	procGlobalAlloc               = kernel32.NewProc("GlobalAlloc")
	procGlobalFree                = kernel32.NewProc("GlobalFree")
	procGlobalLock                = kernel32.NewProc("GlobalLock")
	procGlobalUnlock              = kernel32.NewProc("GlobalUnlock")
	procRtlMoveMemory             = kernel32.NewProc("RtlMoveMemory")
	procRegisterWindowMessageW    = user32.NewProc("RegisterWindowMessageW")
	procGetWindowLongPtrW         = user32.NewProc("GetWindowLongPtrW") // not on 386, where loadDragOS fails
	procSetWindowLongPtrW         = user32.NewProc("SetWindowLongPtrW")
	procCallWindowProcW           = user32.NewProc("CallWindowProcW")
	procGetPropW                  = user32.NewProc("GetPropW")
	procSetPropW                  = user32.NewProc("SetPropW")
	procPostMessageW              = user32.NewProc("PostMessageW")
	procPeekMessageW              = user32.NewProc("PeekMessageW")
	procDefWindowProcW            = user32.NewProc("DefWindowProcW")
	procDispatchMessageW          = user32.NewProc("DispatchMessageW")
	procPostQuitMessage           = user32.NewProc("PostQuitMessage")
	procMsgWaitForMultipleObjects = user32.NewProc("MsgWaitForMultipleObjectsEx")
	procGetAsyncKeyState          = user32.NewProc("GetAsyncKeyState")
	procGetSystemMetrics          = user32.NewProc("GetSystemMetrics")
	procGetCursorPos              = user32.NewProc("GetCursorPos")
	procWindowFromPoint           = user32.NewProc("WindowFromPoint")
	procGetAncestor               = user32.NewProc("GetAncestor")
)

// winDragOS is what dragging needs from Windows, made on the first drag and kept for
// the process: the method tables and window procedure that Windows calls (callbacks
// cannot be freed), and the queue of drags waiting for the window's thread. Windows
// calls back with integers only, so that queue is how a drag reaches the thread.
type winDragOS struct {
	sourceVtbl [5]uintptr
	dataVtbl   [12]uintptr
	wndProc    uintptr // dragWndProc
	msg        uint32  // the registered message that runs the queued drag
	prop       *uint16 // the window property holding the window's own procedure
	jobs       chan *winDrag
}

// dragOS loads winDragOS once. It is set in init because dragWndProc, which the
// loader hands to Windows, uses it too.
var dragOS func() (*winDragOS, error)

func init() { dragOS = sync.OnceValues(loadDragOS) }

func loadDragOS() (*winDragOS, error) {
	procs := []*windows.LazyProc{procOleInitialize, procOleUninitialize, procDoDragDrop,
		procSHCreateStdEnumFmtEtc, procGlobalAlloc, procGlobalFree, procGlobalLock, procGlobalUnlock,
		procRtlMoveMemory, procRegisterWindowMessageW, procGetWindowLongPtrW, procSetWindowLongPtrW,
		procCallWindowProcW, procGetPropW, procSetPropW, procPostMessageW, procPeekMessageW,
		procDefWindowProcW, procDispatchMessageW, procPostQuitMessage, procMsgWaitForMultipleObjects,
		procGetAsyncKeyState, procGetSystemMetrics, procGetCursorPos, procWindowFromPoint, procGetAncestor}
	for _, p := range procs {
		if err := p.Find(); err != nil {
			return nil, fmt.Errorf("drag and drop needs %s: %w", p.Name, err)
		}
	}
	name := windows.StringToUTF16Ptr("llmtap.startFileDrag")
	msg, _, err := procRegisterWindowMessageW.Call(uintptr(unsafe.Pointer(name)))
	if msg == 0 {
		return nil, fmt.Errorf("RegisterWindowMessageW: %w", err)
	}
	return &winDragOS{
		sourceVtbl: sourceVtbl(),
		dataVtbl:   dataVtbl(),
		wndProc:    windows.NewCallback(dragWndProc),
		msg:        uint32(msg),
		prop:       windows.StringToUTF16Ptr("llmtap.startFileDrag.wndproc"),
		jobs:       make(chan *winDrag, 4),
	}, nil
}

// winDrag is one drag on Windows: the file, the CF_HDROP bytes naming it, and the COM
// objects DoDragDrop calls.
type winDrag struct {
	fileDrag
	start    *handoff
	hdrop    []byte
	began    sync.Once     // DoDragDrop asked for the first time
	begun    atomic.Bool   // set by began: ready is the drag's to read from then on
	waiting  bool          // queryContinue waits for the file (on the window's thread only)
	source   comObject     // IDropSource
	data     comObject     // IDataObject
	refs     atomic.Int32  // references to source and data, ours and Windows'
	released chan struct{} // closed when refs reaches zero
}

// startFileDrag drags path out with OLE (see drag.go for the contract and the top of
// this file for why the drag runs on the Wails window's thread).
func startFileDrag(path string, ready <-chan error) error {
	hdrop, err := dropFiles(path)
	if err != nil {
		return fmt.Errorf("drag %q: %w", path, err)
	}
	api, err := dragOS()
	if err != nil {
		return err
	}
	hwnd, err := appForegroundWindow()
	if err != nil {
		return err
	}
	d := api.newDrag(path, ready, hdrop)
	if err := api.subclass(hwnd); err != nil {
		return err
	}
	select {
	case api.jobs <- d:
	default:
		return errors.New("too many drags are waiting for the window")
	}
	if r, _, err := procPostMessageW.Call(uintptr(hwnd), uintptr(api.msg), 0, 0); r == 0 && d.start.abandon() {
		return fmt.Errorf("PostMessageW: %w", err)
	}
	return d.start.wait(dragPickup)
}

// newDrag makes the drag of path, holding one reference to each of its COM objects.
func (api *winDragOS) newDrag(path string, ready <-chan error, hdrop []byte) *winDrag {
	d := &winDrag{
		fileDrag: fileDrag{path: path, ready: ready},
		start:    newHandoff(),
		hdrop:    hdrop,
		released: make(chan struct{}),
	}
	d.source = newComObject(&api.sourceVtbl[0], &iidIDropSource, d)
	d.data = newComObject(&api.dataVtbl[0], &iidIDataObject, d)
	d.source.refs.Store(1)
	d.data.refs.Store(1)
	d.refs.Store(2)
	return d
}

// appForegroundWindow is the foreground window if it is this process's: the Wails
// window the press is in.
func appForegroundWindow() (windows.HWND, error) {
	hwnd := windows.GetForegroundWindow()
	if hwnd == 0 {
		return 0, errors.New("no window is in the foreground")
	}
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err != nil {
		return 0, fmt.Errorf("GetWindowThreadProcessId: %w", err)
	}
	if pid != windows.GetCurrentProcessId() {
		return 0, errors.New("llmtap's window is not in the foreground")
	}
	return hwnd, nil
}

// subclass puts dragWndProc in front of hwnd's window procedure, which it keeps in a
// window property for dragWndProc to pass the other messages on to. Both are set once,
// by the first drag from the window, and stay: later drags find dragWndProc in place.
func (api *winDragOS) subclass(hwnd windows.HWND) error {
	cur, _, err := procGetWindowLongPtrW.Call(uintptr(hwnd), gwlpWndProc)
	if cur == 0 {
		return fmt.Errorf("GetWindowLongPtrW: %w", err)
	}
	if cur == api.wndProc {
		return nil
	}
	prop := uintptr(unsafe.Pointer(api.prop))
	if orig, _, _ := procGetPropW.Call(uintptr(hwnd), prop); orig == 0 {
		if r, _, err := procSetPropW.Call(uintptr(hwnd), prop, cur); r == 0 {
			return fmt.Errorf("SetPropW: %w", err)
		}
	}
	if r, _, err := procSetWindowLongPtrW.Call(uintptr(hwnd), gwlpWndProc, api.wndProc); r == 0 {
		return fmt.Errorf("SetWindowLongPtrW: %w", err)
	}
	return nil
}

// dragWndProc is in front of the Wails window's procedure once a drag was made from
// it: on the registered message it runs the newest queued drag; every other message
// goes on to the window's own procedure.
func dragWndProc(hwnd, msg, wParam, lParam uintptr) uintptr {
	api, _ := dragOS() // loaded: only a loaded winDragOS installs this procedure
	orig, _, _ := procGetPropW.Call(hwnd, uintptr(unsafe.Pointer(api.prop)))
	if uint32(msg) != api.msg {
		if orig == 0 { // cannot happen: subclass sets the property first
			r, _, _ := procDefWindowProcW.Call(hwnd, msg, wParam, lParam)
			return r
		}
		r, _, _ := procCallWindowProcW.Call(orig, hwnd, msg, wParam, lParam)
		return r
	}
	// Take every drag queued so far: only the newest can have the button's press.
	var next *winDrag
	for taking := true; taking; {
		select {
		case d := <-api.jobs:
			if !d.start.claim() {
				continue // startFileDrag gave up on it
			}
			if next != nil {
				next.start.done(errors.New("a newer drag replaced this one"))
			}
			next = d
		default:
			taking = false
		}
	}
	if next != nil {
		next.run(windows.HWND(hwnd))
	}
	return 0
}

// run is the drag on the window's thread, from the press to the drop or cancel.
func (d *winDrag) run(hwnd windows.HWND) {
	if !keyDown(primaryButton()) {
		d.start.done(errors.New("the mouse button was released before the drag began"))
		return
	}
	// Wails' thread is a COM apartment (WebView2 made it one) but OLE is not set up on it.
	if hr, _, _ := procOleInitialize.Call(0); int32(hr) < 0 {
		d.start.done(fmt.Errorf("OleInitialize: HRESULT %#x", uint32(hr)))
		return
	}
	defer procOleUninitialize.Call()
	// DoDragDrop makes no progress until its thread gets a message (a still mouse sends
	// none); one already waiting starts it at once.
	procPostMessageW.Call(uintptr(hwnd), wmNull, 0, 0)
	var effect uint32
	hr, _, _ := procDoDragDrop.Call(uintptr(unsafe.Pointer(&d.data)), uintptr(unsafe.Pointer(&d.source)),
		dropeffectCopy, uintptr(unsafe.Pointer(&effect)))
	// Reported already if DoDragDrop called queryContinue; if it did not, the drag
	// never got under way.
	switch uint32(hr) {
	case hrDragDropSDrop, hrDragDropSCancel:
		d.start.done(errors.New("the drag ended before it began"))
	default:
		d.start.done(fmt.Errorf("DoDragDrop: HRESULT %#x", uint32(hr)))
	}
	// Drop our references. A target may keep its own a while (an asynchronous copy);
	// the goroutine keeps the objects alive until it releases them.
	comRelease(&d.source)
	comRelease(&d.data)
	go func() {
		<-d.released
		runtime.KeepAlive(d)
	}()
}
