package desktop

// A whole drag with a mouse: SendInput presses in a window of this process, drags to
// a window of another process that takes drops as Explorer's folders do (an OLE
// IDropTarget reading CF_HDROP), and lets go. It takes the mouse, so it runs only
// with LLMTAP_TEST_MOUSE=1: scripts/test runs it under Wine in a private X server.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procSendInput           = user32.NewProc("SendInput")
	procSetForegroundWindow = user32.NewProc("SetForegroundWindow")
	procRegisterDragDrop    = ole32.NewProc("RegisterDragDrop")
	procRevokeDragDrop      = ole32.NewProc("RevokeDragDrop")
)

const (
	wsVisibleOverlapped = 0x10000000 | 0x00CF0000 // WS_VISIBLE | WS_OVERLAPPEDWINDOW
	wmMouseMove         = 0x0200
	wmLButtonDown       = 0x0201
	smCXScreen          = 0
	smCYScreen          = 1
)

// wineKeyStateCache is more than how long Wine reuses a thread's key state (50 ms).
const wineKeyStateCache = 100 * time.Millisecond

// The drop target's window, in screen pixels, and the source's beside it.
var (
	targetRect = [4]int32{520, 80, 320, 240}
	sourceRect = [4]int32{80, 80, 320, 240}
)

func TestDragToAnotherProcess(t *testing.T) {
	if os.Getenv("LLMTAP_TEST_MOUSE") != "1" {
		t.Skip("takes the mouse: set LLMTAP_TEST_MOUSE=1 (scripts/test does, under Wine)")
	}
	tests := []struct {
		name string
		// When the file is complete: before the button is let go, or after, when the
		// drop has to wait for it.
		writtenAfterRelease bool
		writeErr            error // its writing failed: no drop
	}{
		{"written before the drop", false, nil},
		{"written after the button is let go", true, nil},
		{"writing failed after the button is let go", true, errors.New("disk full")},
	}
	for i, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			// Not t.TempDir: Wine 8 cannot delete files the way Go's os.RemoveAll now does.
			dir, err := os.MkdirTemp("", "llmtap-drag-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			file := filepath.Join(dir, "chats 数据 🙂.json")
			if err := os.WriteFile(file, []byte(`[{"conversations":[]}]`), 0o644); err != nil {
				t.Fatal(err)
			}
			target := startDropTarget(t)

			pressed := make(chan struct{}, 1)
			moved := make(chan struct{}, 1)
			hwnd := startTestWindow(t, testWindow{
				class: fmt.Sprintf("llmtapDragSource%d", i),
				x:     sourceRect[0], y: sourceRect[1], width: sourceRect[2], height: sourceRect[3],
				style: wsVisibleOverlapped,
				proc: func(hwnd, msg, wParam, lParam uintptr) (uintptr, bool) {
					switch msg {
					case wmMouseMove:
						// Read the key state here, as a busy UI thread may: under Wine the
						// press that follows is then hidden from this thread for a while
						// (see the wait after the press).
						keyDown(vkLButton)
						notify(moved)
					case wmLButtonDown:
						notify(pressed)
					}
					return 0, false
				},
			})
			procSetForegroundWindow.Call(hwnd)
			m := newTestMouse(t)
			from := [2]int32{sourceRect[0] + sourceRect[2]/2, sourceRect[1] + sourceRect[3]/2}
			to := [2]int32{targetRect[0] + targetRect[2]/2, targetRect[1] + targetRect[3]/2}
			m.move(from[0]-1, from[1]) // the pointer moves onto from below, wherever it was
			// A move from before is not the one awaited below.
			select {
			case <-moved:
			default:
			}
			m.move(from[0], from[1])
			within(t, moved, 10*time.Second, "the move to reach the source window")
			m.button(true)
			defer m.button(false) // never leave the button down for the next test
			within(t, pressed, 10*time.Second, "the press to reach the source window")
			// Wine 8 keeps a thread's answer of "up" to GetAsyncKeyState for 50 ms
			// (NtUserGetAsyncKeyState's per-thread cache), so the window's thread, which
			// read the key state on the move just before, would not see the press yet:
			// startFileDrag would say the button was let go. Windows has no such cache,
			// and in the app a drag starts only after the pointer moved past the drag
			// threshold and the page asked the server for the file.
			time.Sleep(wineKeyStateCache)

			// As the page does on dragstart: start the drag while the button is down.
			ready := make(chan error, 1)
			began := make(chan error, 1)
			go func() { began <- startFileDrag(file, ready) }()
			// DoDragDrop asks the source first on a mouse message: keep moving until it began.
			for step, waiting := int32(1), true; waiting; step++ {
				if step > 200 {
					t.Fatal("the drag did not begin within 200 moves")
				}
				m.move(from[0]+step%8, from[1])
				select {
				case err = <-began:
					waiting = false
				case <-time.After(50 * time.Millisecond):
				}
			}
			if err != nil {
				t.Fatalf("startFileDrag = %v, want nil: the drag began", err)
			}
			for i := int32(1); i <= 10; i++ {
				m.move(from[0]+(to[0]-from[0])*i/10, from[1]+(to[1]-from[1])*i/10)
				time.Sleep(20 * time.Millisecond)
			}
			target.waitFor(t, "over", func() { m.move(to[0]+1, to[1]); m.move(to[0], to[1]) })

			if !tt.writtenAfterRelease {
				ready <- nil
				m.button(false)
			} else {
				m.button(false)
				time.Sleep(300 * time.Millisecond)
				if got := target.seen("drop"); got != nil {
					t.Fatalf("the target got the drop before the file was written: %+v", got)
				}
				ready <- tt.writeErr
			}
			if tt.writeErr != nil {
				time.Sleep(time.Second)
				if got := target.seen("drop"); got != nil {
					t.Fatalf("the target got a drop of a file whose writing failed: %+v", got)
				}
				return
			}
			drop := target.waitFor(t, "drop", nil)
			t.Logf("the target saw %+v", target.got)
			if len(drop.Files) != 1 || drop.Files[0] != file {
				t.Fatalf("the target got %q, want [%q]", drop.Files, file)
			}
		})
	}
}

// dropTargetEvent is a line the drop target process prints: ready, over or drop.
type dropTargetEvent struct {
	Event string   `json:"event"`
	Files []string `json:"files,omitempty"`
	Error string   `json:"error,omitempty"`
}

type dropTargetProcess struct {
	events chan dropTargetEvent
	got    []dropTargetEvent // read by seen and waitFor only
}

// startDropTarget runs this test binary again as the drop target (TestHelperDropTarget)
// and waits until its window takes drops.
func startDropTarget(t *testing.T) *dropTargetProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDropTarget$", "-test.v")
	cmd.Env = append(os.Environ(), "LLMTAP_DROP_TARGET_HELPER=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &dropTargetProcess{events: make(chan dropTargetEvent, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var e dropTargetEvent
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event != "" {
				p.events <- e
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	p.waitFor(t, "ready", nil)
	return p
}

// seen is the first event named name so far, or nil.
func (p *dropTargetProcess) seen(name string) *dropTargetEvent {
	for {
		select {
		case e := <-p.events:
			p.got = append(p.got, e)
			continue
		default:
		}
		break
	}
	for i := range p.got {
		if p.got[i].Event == name {
			return &p.got[i]
		}
	}
	return nil
}

// waitFor waits up to 20 s for the event, calling nudge (if any) every 50 ms meanwhile.
func (p *dropTargetProcess) waitFor(t *testing.T, name string, nudge func()) dropTargetEvent {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if e := p.seen(name); e != nil {
			if e.Error != "" {
				t.Fatalf("drop target: %s", e.Error)
			}
			return *e
		}
		if time.Now().After(deadline) {
			t.Fatalf("the drop target said no %q within 20 s; it said %+v", name, p.got)
		}
		if nudge != nil {
			nudge()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHelperDropTarget is the drop target process of TestDragToAnotherProcess, not a
// test of its own: a window that registers an IDropTarget, as Explorer's do, and prints
// what it sees as JSON lines.
func TestHelperDropTarget(t *testing.T) {
	if os.Getenv("LLMTAP_DROP_TARGET_HELPER") != "1" {
		t.Skip("run by TestDragToAnotherProcess")
	}
	emit := func(e dropTargetEvent) {
		b, _ := json.Marshal(e)
		fmt.Println(string(b))
	}
	target := newTestDropTarget(emit)
	startTestWindow(t, testWindow{
		class: "llmtapDropTarget",
		x:     targetRect[0], y: targetRect[1], width: targetRect[2], height: targetRect[3],
		style: wsVisibleOverlapped,
		onThread: func(hwnd uintptr) error {
			if hr, _, _ := procOleInitialize.Call(0); int32(hr) < 0 {
				return fmt.Errorf("OleInitialize: HRESULT %#x", uint32(hr))
			}
			if hr, _, _ := procRegisterDragDrop.Call(hwnd, uintptr(unsafe.Pointer(target))); int32(hr) < 0 {
				return fmt.Errorf("RegisterDragDrop: HRESULT %#x", uint32(hr))
			}
			return nil
		},
	})
	emit(dropTargetEvent{Event: "ready"})
	time.Sleep(2 * time.Minute) // until the test kills it
}

// testDropTarget is an IDropTarget that takes CF_HDROP: the first word is its method table.
type testDropTarget struct {
	vtbl *[7]uintptr
	refs atomic.Int32
	over atomic.Bool
	emit func(dropTargetEvent)
}

var iidIDropTarget = windows.GUID{Data1: 0x00000122, Data4: [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46}}

var dropTargetVtbl = [7]uintptr{
	windows.NewCallback(func(this *testDropTarget, riid *windows.GUID, ppv *uintptr) uintptr {
		if *riid != iidIUnknown && *riid != iidIDropTarget {
			*ppv = 0
			return hrENoInterface
		}
		this.refs.Add(1)
		*ppv = uintptr(unsafe.Pointer(this))
		return hrOK
	}),
	windows.NewCallback(func(this *testDropTarget) uintptr { return uintptr(this.refs.Add(1)) }),
	windows.NewCallback(func(this *testDropTarget) uintptr { return uintptr(this.refs.Add(-1)) }),
	// DragEnter(data, keyState, POINTL by value, *effect)
	windows.NewCallback(func(this *testDropTarget, data unsafe.Pointer, keyState, pt uintptr, effect *uint32) uintptr {
		return this.offer(data, effect)
	}),
	// DragOver(keyState, POINTL, *effect)
	windows.NewCallback(func(this *testDropTarget, keyState, pt uintptr, effect *uint32) uintptr {
		*effect &= dropeffectCopy
		if !this.over.Swap(true) {
			this.emit(dropTargetEvent{Event: "over"})
		}
		return hrOK
	}),
	// DragLeave
	windows.NewCallback(func(this *testDropTarget) uintptr {
		this.over.Store(false)
		return hrOK
	}),
	// Drop(data, keyState, POINTL, *effect)
	windows.NewCallback(func(this *testDropTarget, data unsafe.Pointer, keyState, pt uintptr, effect *uint32) uintptr {
		files, err := hdropFiles(data)
		e := dropTargetEvent{Event: "drop", Files: files}
		if err != nil {
			e.Error = err.Error()
		}
		this.emit(e)
		*effect = dropeffectCopy
		return hrOK
	}),
}

func newTestDropTarget(emit func(dropTargetEvent)) *testDropTarget {
	return &testDropTarget{vtbl: &dropTargetVtbl, emit: emit}
}

// offer takes the drag if it offers CF_HDROP, as a folder would.
func (d *testDropTarget) offer(data unsafe.Pointer, effect *uint32) uintptr {
	f := hdropFormat()
	if call(data, 5, uintptr(unsafe.Pointer(&f))) != hrOK { // QueryGetData
		*effect = 0
		return hrOK
	}
	*effect &= dropeffectCopy
	return hrOK
}

// hdropFiles reads the files a data object offers as CF_HDROP.
func hdropFiles(data unsafe.Pointer) ([]string, error) {
	f := hdropFormat()
	var m stgMedium
	if hr := call(data, 3, uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(&m))); hr != hrOK { // GetData
		return nil, fmt.Errorf("GetData(CF_HDROP): HRESULT %#x", hr)
	}
	defer procReleaseStgMedium.Call(uintptr(unsafe.Pointer(&m)))
	n, _, _ := procDragQueryFileW.Call(m.hGlobal, 0xFFFFFFFF, 0, 0)
	var files []string
	for i := uintptr(0); i < n; i++ {
		buf := make([]uint16, 1024)
		k, _, _ := procDragQueryFileW.Call(m.hGlobal, i, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		files = append(files, windows.UTF16ToString(buf[:k]))
	}
	return files, nil
}

// testMouse moves and presses the mouse with SendInput, as a driver would.
type testMouse struct {
	t             *testing.T
	width, height int32
}

func newTestMouse(t *testing.T) *testMouse {
	w, _, _ := procGetSystemMetrics.Call(smCXScreen)
	h, _, _ := procGetSystemMetrics.Call(smCYScreen)
	return &testMouse{t: t, width: int32(w), height: int32(h)}
}

// mouseInput is INPUT (winuser.h) holding a MOUSEINPUT, on 64-bit Windows.
type mouseInput struct {
	typ       uint32
	_         uint32
	dx, dy    int32
	mouseData uint32
	flags     uint32
	time      uint32
	_         uint32
	extra     uintptr
}

func (m *testMouse) send(in mouseInput) {
	m.t.Helper()
	if n, _, err := procSendInput.Call(1, uintptr(unsafe.Pointer(&in)), unsafe.Sizeof(in)); n != 1 {
		m.t.Fatalf("SendInput: %v", err)
	}
}

// move puts the pointer at x, y on the screen (MOUSEEVENTF_MOVE | MOUSEEVENTF_ABSOLUTE,
// in 1/65536ths of the screen).
func (m *testMouse) move(x, y int32) {
	m.send(mouseInput{dx: (x*65536 + m.width - 1) / m.width, dy: (y*65536 + m.height - 1) / m.height, flags: 0x0001 | 0x8000})
}

// button presses (down) or lets go of the left button.
func (m *testMouse) button(down bool) {
	flags := uint32(0x0004) // MOUSEEVENTF_LEFTUP
	if down {
		flags = 0x0002 // MOUSEEVENTF_LEFTDOWN
	}
	m.send(mouseInput{flags: flags})
}

// notify sends on c without waiting: c has room for one, and one is enough.
func notify(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// within waits for c, failing the test after d.
func within(t *testing.T, c <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}
