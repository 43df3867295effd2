package desktop

// The OS-independent parts of the Windows and macOS drag sources (drag_windows*.go,
// drag_darwin.go): the CF_HDROP bytes, the Win32 struct layouts, the decisions the
// COM callbacks make, and the hand-off from the HTTP handler to the window's thread
// (which the GTK drag source uses too).
// They carry no build tag so that dropfiles_test.go checks them on every OS.

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Win32 constants the drag source uses (winuser.h, oleidl.h, winerror.h, objidl.h).
const (
	cfHDROP         = 15     // CF_HDROP: a DROPFILES list of paths
	dvaspectContent = 1      // DVASPECT_CONTENT
	tymedHGlobal    = 1      // TYMED_HGLOBAL
	datadirGet      = 1      // DATADIR_GET
	mkLButton       = 0x0001 // MK_LBUTTON in grfKeyState: the primary button (logical, so swapped buttons are handled)
	dropeffectCopy  = 1      // DROPEFFECT_COPY

	hrOK                      = 0x00000000 // S_OK
	hrDragDropSDrop           = 0x00040100 // DRAGDROP_S_DROP
	hrDragDropSCancel         = 0x00040101 // DRAGDROP_S_CANCEL
	hrDragDropSUseDefaultCurs = 0x00040102 // DRAGDROP_S_USEDEFAULTCURSORS
	hrDataSSameFormatEtc      = 0x00040130 // DATA_S_SAMEFORMATETC
	hrENotImpl                = 0x80004001 // E_NOTIMPL
	hrENoInterface            = 0x80004002 // E_NOINTERFACE
	hrEPointer                = 0x80004003 // E_POINTER
	hrEFail                   = 0x80004005 // E_FAIL
	hrEOutOfMemory            = 0x8007000E // E_OUTOFMEMORY
	hrOleEAdviseNotSupported  = 0x80040003 // OLE_E_ADVISENOTSUPPORTED
	hrDVEFormatEtc            = 0x80040064 // DV_E_FORMATETC
	hrDVETymed                = 0x80040069 // DV_E_TYMED
	hrDVEDVAspect             = 0x8004006B // DV_E_DVASPECT
	dropFilesHeaderSize       = 20         // sizeof(DROPFILES): DWORD pFiles, POINT pt, BOOL fNC, BOOL fWide
	dropFilesWideFlagOffset   = 16         // offsetof(DROPFILES, fWide)
)

// formatEtc is FORMATETC (objidl.h). Go lays it out as C does on both 32- and 64-bit
// Windows: a 2-byte format, then the pointer at its natural alignment.
type formatEtc struct {
	cfFormat uint16
	ptd      uintptr // *DVTARGETDEVICE; the drag source renders for no device
	dwAspect uint32
	lindex   int32
	tymed    uint32
}

// stgMedium is STGMEDIUM (objidl.h) with its union read as the HGLOBAL.
type stgMedium struct {
	tymed         uint32
	hGlobal       uintptr
	unkForRelease uintptr // *IUnknown; nil: the receiver frees hGlobal (ReleaseStgMedium)
}

// hdropFormat is the one format the data object offers: the file list in global memory.
func hdropFormat() formatEtc {
	return formatEtc{cfFormat: cfHDROP, dwAspect: dvaspectContent, lindex: -1, tymed: tymedHGlobal}
}

// queryHDrop answers IDataObject::QueryGetData for f: S_OK if f asks for CF_HDROP in
// an HGLOBAL, else the DV_E_* code saying which field does not match. lindex and ptd
// are not checked: CF_HDROP has one rendering, and some targets pass 0 for lindex.
func queryHDrop(f *formatEtc) uint32 {
	switch {
	case f == nil:
		return hrEPointer
	case f.cfFormat != cfHDROP:
		return hrDVEFormatEtc
	case f.tymed&tymedHGlobal == 0:
		return hrDVETymed
	case f.dwAspect&dvaspectContent == 0:
		return hrDVEDVAspect
	}
	return hrOK
}

// checkDragPath rejects the paths no OS drag can name: empty, holding a NUL (which
// ends C strings and the CF_HDROP list) or not UTF-8.
func checkDragPath(path string) error {
	switch {
	case path == "":
		return errors.New("empty path")
	case strings.ContainsRune(path, 0):
		return fmt.Errorf("path %q contains NUL", path)
	case !utf8.ValidString(path):
		return fmt.Errorf("path %q is not valid UTF-8", path)
	}
	return nil
}

// dropFiles is the CF_HDROP payload for path: a DROPFILES header with fWide set, the
// path in UTF-16LE, its NUL, and the NUL that ends the list.
func dropFiles(path string) ([]byte, error) {
	if err := checkDragPath(path); err != nil {
		return nil, err
	}
	units := utf16.Encode([]rune(path))
	b := make([]byte, dropFilesHeaderSize, dropFilesHeaderSize+2*(len(units)+2))
	b[0] = dropFilesHeaderSize // pFiles, little-endian DWORD; pt and fNC stay zero
	b[dropFilesWideFlagOffset] = 1
	for _, u := range append(units, 0, 0) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b, nil
}

// dragStep is what IDropSource::QueryContinueDrag tells DoDragDrop to do.
type dragStep int

const (
	stepContinue dragStep = iota // S_OK
	stepDrop                     // DRAGDROP_S_DROP, once the file is ready
	stepCancel                   // DRAGDROP_S_CANCEL
)

// nextDragStep decides QueryContinueDrag from its arguments: Escape cancels, letting go
// of the primary button drops, anything else (another button, a modifier) continues.
func nextDragStep(escapePressed bool, keyState uint32) dragStep {
	switch {
	case escapePressed:
		return stepCancel
	case keyState&mkLButton == 0:
		return stepDrop
	}
	return stepContinue
}

// dragPickup bounds how long startFileDrag waits for the window's thread to take a
// drag: that thread idles in its event loop unless something is wrong.
const dragPickup = 5 * time.Second

// The states of a handoff.
const (
	handoffPending   int32 = iota // startFileDrag waits for the window's thread
	handoffClaimed                // the window's thread took the drag; its report follows
	handoffAbandoned              // startFileDrag gave up; the window's thread must not start it
)

// handoff carries one drag from startFileDrag (an HTTP handler goroutine) to the
// window's thread, which alone may start an OS drag, and the answer back. The window's
// thread claims it before starting, so a drag that startFileDrag gave up on (and whose
// file the caller removes) never starts late.
type handoff struct {
	state  atomic.Int32
	began  chan error // one report
	report sync.Once
}

func newHandoff() *handoff { return &handoff{began: make(chan error, 1)} }

// claim is called on the window's thread before the drag starts: true if startFileDrag
// still waits and the drag may start. After true, done must be called exactly once
// with the outcome (later calls are ignored).
func (h *handoff) claim() bool {
	return h.state.CompareAndSwap(handoffPending, handoffClaimed)
}

// done reports whether the claimed drag began (nil) or why not.
func (h *handoff) done(err error) {
	h.report.Do(func() { h.began <- err })
}

// abandon is startFileDrag's way out when it could not ask the window's thread: true
// if the thread had not claimed the drag, which now never starts.
func (h *handoff) abandon() bool {
	return h.state.CompareAndSwap(handoffPending, handoffAbandoned)
}

// wait is startFileDrag's side: the outcome the window's thread reported, or an error
// if it did not claim the drag within pickup. Once claimed, it waits for the report
// however long it takes.
func (h *handoff) wait(pickup time.Duration) error {
	t := time.NewTimer(pickup)
	defer t.Stop()
	select {
	case err := <-h.began:
		return err
	case <-t.C:
	}
	if h.abandon() {
		return fmt.Errorf("the window did not take the drag within %v", pickup)
	}
	return <-h.began
}

// winMsg is MSG (winuser.h).
type winMsg struct {
	hwnd     uintptr
	message  uint32
	wParam   uintptr
	lParam   uintptr
	time     uint32
	pt       struct{ x, y int32 }
	lPrivate uint32
}

// isInputMessage reports whether a window message is mouse or keyboard input: the
// client-area and non-client mouse messages and WM_KEYFIRST..WM_KEYLAST.
func isInputMessage(m uint32) bool {
	return m >= 0x00A0 && m <= 0x00AD || // WM_NCMOUSEMOVE..WM_NCXBUTTONDBLCLK
		m >= 0x0100 && m <= 0x0109 || // WM_KEYFIRST..WM_KEYLAST
		m >= 0x0200 && m <= 0x020E // WM_MOUSEFIRST..WM_MOUSELAST
}
