package desktop

// These run the COM objects and the hand-off to a window's thread for real, on
// Windows (or Wine). The drag itself needs a person's mouse and is not run.

import (
	"errors"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procDragQueryFileW   = shell32.NewProc("DragQueryFileW")
	procReleaseStgMedium = ole32.NewProc("ReleaseStgMedium")
	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procSendMessageW     = user32.NewProc("SendMessageW")
)

// call invokes method i of the COM object obj.
func call(obj unsafe.Pointer, i int, args ...uintptr) uint32 {
	vtbl := *(*unsafe.Pointer)(obj)
	fn := *(*uintptr)(unsafe.Add(vtbl, i*int(unsafe.Sizeof(uintptr(0)))))
	r, _, _ := syscall.SyscallN(fn, append([]uintptr{uintptr(obj)}, args...)...)
	return uint32(r)
}

func testDrag(t *testing.T, path string, ready <-chan error) *winDrag {
	t.Helper()
	api, err := dragOS()
	if err != nil {
		t.Fatal(err)
	}
	hdrop, err := dropFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	return api.newDrag(path, ready, hdrop)
}

func TestDataObject(t *testing.T) {
	const path = `C:\Users\Jürgen\exports\数据 🙂.json`
	ready := make(chan error, 1)
	d := testDrag(t, path, ready)
	obj := unsafe.Pointer(&d.data)
	// The writer has answered, but the drag has not begun (DoDragDrop has not asked
	// queryContinue yet): ready still belongs to startFileDrag's caller.
	ready <- nil

	// IDataObject: QueryInterface 0, AddRef 1, Release 2, GetData 3, GetDataHere 4,
	// QueryGetData 5, GetCanonicalFormatEtc 6, SetData 7, EnumFormatEtc 8, DAdvise 9.
	var got uintptr
	if hr := call(obj, 0, uintptr(unsafe.Pointer(&iidIDataObject)), uintptr(unsafe.Pointer(&got))); hr != hrOK || got != uintptr(obj) {
		t.Errorf("QueryInterface(IID_IDataObject) = %#x, %#x; want S_OK, the object", hr, got)
	}
	call(obj, 2)
	if hr := call(obj, 0, uintptr(unsafe.Pointer(&iidIDropSource)), uintptr(unsafe.Pointer(&got))); hr != hrENoInterface || got != 0 {
		t.Errorf("QueryInterface(IID_IDropSource) = %#x, %#x; want E_NOINTERFACE, 0", hr, got)
	}

	f := hdropFormat()
	if hr := call(obj, 5, uintptr(unsafe.Pointer(&f))); hr != hrOK {
		t.Errorf("QueryGetData(CF_HDROP) = %#x, want S_OK", hr)
	}
	text := formatEtc{cfFormat: 13, dwAspect: dvaspectContent, lindex: -1, tymed: tymedHGlobal}
	if hr := call(obj, 5, uintptr(unsafe.Pointer(&text))); hr != hrDVEFormatEtc {
		t.Errorf("QueryGetData(CF_UNICODETEXT) = %#x, want DV_E_FORMATETC", hr)
	}

	var m stgMedium
	if hr := call(obj, 3, uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(&m))); hr != hrOK || m.tymed != tymedHGlobal || m.hGlobal == 0 {
		t.Fatalf("GetData(CF_HDROP) = %#x, %+v; want S_OK and an HGLOBAL", hr, m)
	}
	if n, _, _ := procDragQueryFileW.Call(m.hGlobal, 0xFFFFFFFF, 0, 0); n != 1 {
		t.Errorf("DragQueryFileW count = %d, want 1", n)
	}
	buf := make([]uint16, 260)
	n, _, _ := procDragQueryFileW.Call(m.hGlobal, 0, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if name := windows.UTF16ToString(buf[:n]); name != path {
		t.Errorf("DragQueryFileW(0) = %q, want %q", name, path)
	}
	procReleaseStgMedium.Call(uintptr(unsafe.Pointer(&m)))
	if d.written != nil { // watch started: its goroutine takes ready's value
		t.Error("GetData before the drag began read ready, which its caller may still need")
	}

	var out formatEtc
	if hr := call(obj, 6, uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(&out))); hr != hrDataSSameFormatEtc || out != f {
		t.Errorf("GetCanonicalFormatEtc = %#x, %+v; want DATA_S_SAMEFORMATETC, %+v", hr, out, f)
	}
	if hr := call(obj, 7, uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(&m)), 0); hr != hrENotImpl {
		t.Errorf("SetData = %#x, want E_NOTIMPL", hr)
	}
	if hr := call(obj, 9, uintptr(unsafe.Pointer(&f)), 0, 0, uintptr(unsafe.Pointer(&got))); hr != hrOleEAdviseNotSupported {
		t.Errorf("DAdvise = %#x, want OLE_E_ADVISENOTSUPPORTED", hr)
	}

	// IEnumFORMATETC: Next 3, Release 2.
	var enumObj unsafe.Pointer // IEnumFORMATETC*, made by the shell
	if hr := call(obj, 8, datadirGet, uintptr(unsafe.Pointer(&enumObj))); hr != hrOK || enumObj == nil {
		t.Fatalf("EnumFormatEtc(DATADIR_GET) = %#x, %p", hr, enumObj)
	}
	var fetched uint32
	var e formatEtc
	if hr := call(enumObj, 3, 1, uintptr(unsafe.Pointer(&e)), uintptr(unsafe.Pointer(&fetched))); hr != hrOK || fetched != 1 || e != f {
		t.Errorf("IEnumFORMATETC.Next = %#x, %d, %+v; want S_OK, 1, %+v", hr, fetched, e, f)
	}
	if hr := call(enumObj, 3, 1, uintptr(unsafe.Pointer(&e)), uintptr(unsafe.Pointer(&fetched))); hr != 1 || fetched != 0 {
		t.Errorf("IEnumFORMATETC.Next at the end = %#x, %d; want S_FALSE, 0", hr, fetched)
	}
	call(enumObj, 2)

	// Our two references (data and source) released: the drag may go.
	call(obj, 2)
	call(unsafe.Pointer(&d.source), 2)
	select {
	case <-d.released:
	default:
		t.Errorf("released not closed after the last Release (refs %d)", d.refs.Load())
	}
}

func TestDropSource(t *testing.T) {
	tests := []struct {
		name     string
		escape   uintptr
		keyState uintptr
		ready    error // sent before the call
		want     uint32
	}{
		{"button_held", 0, mkLButton, nil, hrOK},
		{"escape", 1, mkLButton, nil, hrDragDropSCancel},
		{"let_go_file_written", 0, 0, nil, hrDragDropSDrop},
		{"let_go_file_failed", 0, 0, errors.New("disk full"), hrDragDropSCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready := make(chan error, 1)
			ready <- tt.ready
			d := testDrag(t, `C:\x\chats.json`, ready)
			d.start.claim()
			obj := unsafe.Pointer(&d.source)
			// IDropSource: QueryContinueDrag 3, GiveFeedback 4.
			if got := call(obj, 3, tt.escape, tt.keyState); got != tt.want {
				t.Errorf("QueryContinueDrag(%d, %#x) = %#x, want %#x", tt.escape, tt.keyState, got, tt.want)
			}
			if err := <-d.start.began; err != nil {
				t.Errorf("after QueryContinueDrag the drag reported %v, want nil: it began", err)
			}
			if got := call(obj, 4, dropeffectCopy); got != hrDragDropSUseDefaultCurs {
				t.Errorf("GiveFeedback = %#x, want DRAGDROP_S_USEDEFAULTCURSORS", got)
			}
		})
	}
}

// TestWindowHandoff subclasses a real window the way startFileDrag does and checks
// that the window's thread takes the drag, that the window's own procedure still gets
// its messages, and that it is back in place afterwards.
func TestWindowHandoff(t *testing.T) {
	api, err := dragOS()
	if err != nil {
		t.Fatal(err)
	}
	const wmPing = 0x0400 + 7 // WM_USER+7
	pings := make(chan uintptr, 4)
	hwnd := startTestWindow(t, testWindow{class: "llmtapDragTest", width: 100, height: 100,
		proc: func(hwnd, msg, wParam, lParam uintptr) (uintptr, bool) {
			if msg == wmPing {
				pings <- wParam
				return 0, true
			}
			return 0, false
		}})

	before, _, _ := procGetWindowLongPtrW.Call(hwnd, gwlpWndProc)
	if err := api.subclass(windows.HWND(hwnd)); err != nil {
		t.Fatalf("subclass: %v", err)
	}
	if cur, _, _ := procGetWindowLongPtrW.Call(hwnd, gwlpWndProc); cur != api.wndProc {
		t.Fatalf("window procedure after subclass = %#x, want dragWndProc %#x", cur, api.wndProc)
	}
	procSendMessageW.Call(hwnd, wmPing, 42, 0)
	if got := <-pings; got != 42 {
		t.Errorf("the window's own procedure got ping %d, want 42", got)
	}

	// The drag: under test no mouse button is down, so the window's thread takes it
	// and reports that it could not begin.
	ready := make(chan error, 1)
	d := testDrag(t, `C:\x\chats.json`, ready)
	api.jobs <- d
	procPostMessageW.Call(hwnd, uintptr(api.msg), 0, 0)
	err = d.start.wait(dragPickup)
	if err == nil || !strings.Contains(err.Error(), "mouse button was released") {
		t.Errorf("drag on a window with no button down = %v, want the button-released error", err)
	}
	select {
	case ready <- nil: // the drag did not begin, so ready was left to the caller
	default:
		t.Error("ready was read by a drag that did not begin")
	}
	// dragWndProc stays in front (taking it out raced with the next drag), and the
	// window's own procedure still gets its messages.
	if cur, _, _ := procGetWindowLongPtrW.Call(hwnd, gwlpWndProc); cur != api.wndProc {
		t.Errorf("window procedure after the drag = %#x, want dragWndProc %#x still", cur, api.wndProc)
	}
	procSendMessageW.Call(hwnd, wmPing, 43, 0)
	if got := <-pings; got != 43 {
		t.Errorf("after the drag the window's procedure got ping %d, want 43", got)
	}
	// Quick drags one after the other each reach the window's thread.
	for i := range 20 {
		if err := api.subclass(windows.HWND(hwnd)); err != nil {
			t.Fatalf("subclass again: %v", err)
		}
		ready := make(chan error, 1)
		d := testDrag(t, `C:\x\chats.json`, ready)
		api.jobs <- d
		procPostMessageW.Call(hwnd, uintptr(api.msg), 0, 0)
		if err := d.start.wait(dragPickup); err == nil || !strings.Contains(err.Error(), "mouse button was released") {
			t.Fatalf("drag %d: %v, want it taken by the window's thread (the button-released error)", i, err)
		}
	}
	if orig, _, _ := procGetPropW.Call(hwnd, uintptr(unsafe.Pointer(api.prop))); orig != before {
		t.Errorf("the kept window procedure = %#x, want the window's own %#x", orig, before)
	}
}

// testWindow is a window for a test, on a thread of its own.
type testWindow struct {
	class               string // unique per test: a class keeps its first procedure
	x, y, width, height int32
	style               uintptr
	// proc answers the messages it handles (true); the others go to DefWindowProcW.
	proc func(hwnd, msg, wParam, lParam uintptr) (uintptr, bool)
	// onThread runs on the window's thread once the window exists (RegisterDragDrop).
	onThread func(hwnd uintptr) error
}

// startTestWindow makes the window on a locked OS thread that runs its message loop
// until the test ends, when the window is closed and the thread let go.
func startTestWindow(t *testing.T, w testWindow) uintptr {
	t.Helper()
	const wmDestroy = 0x0002
	proc := windows.NewCallback(func(hwnd, msg, wParam, lParam uintptr) uintptr {
		if w.proc != nil {
			if r, ok := w.proc(hwnd, msg, wParam, lParam); ok {
				return r
			}
		}
		if msg == wmDestroy {
			procPostQuitMessage.Call(0)
			return 0
		}
		r, _, _ := procDefWindowProcW.Call(hwnd, msg, wParam, lParam)
		return r
	})
	made := make(chan uintptr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		class := windows.StringToUTF16Ptr(w.class)
		wc := struct {
			size, style                      uint32
			proc                             uintptr
			clsExtra, wndExtra               int32
			instance, icon, cursor, bg, menu uintptr
			className                        *uint16
			iconSm                           uintptr
		}{proc: proc, className: class}
		wc.size = uint32(unsafe.Sizeof(wc))
		procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc)))
		hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), uintptr(unsafe.Pointer(class)), w.style,
			uintptr(w.x), uintptr(w.y), uintptr(w.width), uintptr(w.height), 0, 0, 0, 0)
		if hwnd == 0 {
			t.Errorf("CreateWindowExW: %v", err)
			made <- 0
			return
		}
		if w.onThread != nil {
			if err := w.onThread(hwnd); err != nil {
				t.Error(err)
				procDestroyWindow.Call(hwnd)
				made <- 0
				return
			}
		}
		made <- hwnd
		var m winMsg
		for {
			if r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0); int32(r) <= 0 {
				return
			}
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
		}
	}()
	hwnd := <-made
	if hwnd == 0 {
		t.FailNow()
	}
	t.Cleanup(func() {
		procSendMessageW.Call(hwnd, 0x0010, 0, 0) // WM_CLOSE: DefWindowProc destroys it
		<-done
	})
	return hwnd
}
