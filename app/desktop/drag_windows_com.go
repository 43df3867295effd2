//go:build windows

package desktop

// The two COM objects a Windows drag hands to DoDragDrop, implemented in Go without
// cgo: the IDropSource that decides when to drop, and the IDataObject that offers the
// file as CF_HDROP. Their methods are Go functions made callable by Windows with
// windows.NewCallback; the decisions they make are in dropfiles.go.

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Interface IDs (unknwn.h, objidl.h, oleidl.h).
var (
	iidIUnknown    = windows.GUID{Data1: 0x00000000, Data4: [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46}}
	iidIDataObject = windows.GUID{Data1: 0x0000010e, Data4: [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46}}
	iidIDropSource = windows.GUID{Data1: 0x00000121, Data4: [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46}}
)

// comObject is a COM object written in Go. Windows sees only its first word, the
// pointer to its method table; the rest is for the Go methods. A drag's IDropSource
// and IDataObject are both comObjects of the same winDrag, which keeps them alive
// while Windows holds references (winDrag.refs).
type comObject struct {
	vtbl *uintptr      // &winDragOS.sourceVtbl[0] or &winDragOS.dataVtbl[0]
	iid  *windows.GUID // the interface QueryInterface grants besides IUnknown
	refs atomic.Int32
	drag *winDrag
}

func newComObject(vtbl *uintptr, iid *windows.GUID, d *winDrag) comObject {
	return comObject{vtbl: vtbl, iid: iid, drag: d}
}

// sourceVtbl and dataVtbl build the method tables, in the interfaces' order.
func sourceVtbl() [5]uintptr {
	return [5]uintptr{
		windows.NewCallback(comQueryInterface),
		windows.NewCallback(comAddRef),
		windows.NewCallback(comRelease),
		windows.NewCallback(sourceQueryContinueDrag),
		windows.NewCallback(sourceGiveFeedback),
	}
}

func dataVtbl() [12]uintptr {
	return [12]uintptr{
		windows.NewCallback(comQueryInterface),
		windows.NewCallback(comAddRef),
		windows.NewCallback(comRelease),
		windows.NewCallback(dataGetData),
		windows.NewCallback(dataGetDataHere),
		windows.NewCallback(dataQueryGetData),
		windows.NewCallback(dataGetCanonicalFormatEtc),
		windows.NewCallback(dataSetData),
		windows.NewCallback(dataEnumFormatEtc),
		windows.NewCallback(dataDAdvise),
		windows.NewCallback(dataDUnadvise),
		windows.NewCallback(dataEnumDAdvise),
	}
}

// IUnknown

func comQueryInterface(this *comObject, riid *windows.GUID, ppv *uintptr) uintptr {
	if ppv == nil {
		return hrEPointer
	}
	*ppv = 0
	if riid == nil {
		return hrEPointer
	}
	if *riid != iidIUnknown && *riid != *this.iid {
		return hrENoInterface
	}
	comAddRef(this)
	*ppv = uintptr(unsafe.Pointer(this))
	return hrOK
}

func comAddRef(this *comObject) uintptr {
	this.drag.refs.Add(1)
	return uintptr(this.refs.Add(1))
}

func comRelease(this *comObject) uintptr {
	n := this.refs.Add(-1)
	if this.drag.refs.Add(-1) == 0 {
		close(this.drag.released)
	}
	return uintptr(n)
}

// IDropSource

func sourceQueryContinueDrag(this *comObject, escapePressed, keyState uintptr) uintptr {
	return uintptr(this.drag.queryContinue(escapePressed != 0, uint32(keyState)))
}

func sourceGiveFeedback(_ *comObject, _ uintptr) uintptr {
	return hrDragDropSUseDefaultCurs
}

// IDataObject

// dataGetData renders CF_HDROP. It does not wait for the file: a target may look at the
// path while the pointer is over it (Explorer picks copy or move by the drive), and it
// acts on the file only in its IDropTarget::Drop, which DoDragDrop calls only after
// queryContinue saw the file complete. It fails once the file's writing failed.
func dataGetData(this *comObject, f *formatEtc, m *stgMedium) uintptr {
	if m == nil {
		return hrEPointer
	}
	if hr := queryHDrop(f); hr != hrOK {
		return uintptr(hr)
	}
	// A target may ask for the data before DoDragDrop first asks queryContinue (on
	// entering it): ready is not ours to read then (see queryContinue).
	if this.drag.begun.Load() && this.drag.writeFailed() {
		return hrEFail
	}
	h, err := globalBytes(this.drag.hdrop)
	if err != nil {
		return hrEOutOfMemory
	}
	*m = stgMedium{tymed: tymedHGlobal, hGlobal: h}
	return hrOK
}

func dataGetDataHere(_ *comObject, _ *formatEtc, _ *stgMedium) uintptr {
	return hrENotImpl
}

func dataQueryGetData(_ *comObject, f *formatEtc) uintptr {
	return uintptr(queryHDrop(f))
}

func dataGetCanonicalFormatEtc(_ *comObject, in, out *formatEtc) uintptr {
	if in == nil || out == nil {
		return hrEPointer
	}
	*out = *in
	out.ptd = 0
	return hrDataSSameFormatEtc
}

func dataSetData(_ *comObject, _ *formatEtc, _ *stgMedium, _ uintptr) uintptr {
	return hrENotImpl
}

func dataEnumFormatEtc(_ *comObject, direction uintptr, ppenum *uintptr) uintptr {
	if ppenum == nil {
		return hrEPointer
	}
	*ppenum = 0
	if direction != datadirGet {
		return hrENotImpl
	}
	f := hdropFormat()
	hr, _, _ := procSHCreateStdEnumFmtEtc.Call(1, uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(ppenum)))
	return uintptr(uint32(hr))
}

func dataDAdvise(_ *comObject, _ *formatEtc, _, _ uintptr, _ *uint32) uintptr {
	return hrOleEAdviseNotSupported
}

func dataDUnadvise(_ *comObject, _ uintptr) uintptr {
	return hrOleEAdviseNotSupported
}

func dataEnumDAdvise(_ *comObject, _ *uintptr) uintptr {
	return hrOleEAdviseNotSupported
}

// globalBytes copies b into new movable global memory, which the receiver of a
// STGMEDIUM without pUnkForRelease frees.
func globalBytes(b []byte) (uintptr, error) {
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(b)))
	if h == 0 {
		return 0, fmt.Errorf("GlobalAlloc %d bytes: %w", len(b), err)
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		procGlobalFree.Call(h)
		return 0, fmt.Errorf("GlobalLock: %w", err)
	}
	procRtlMoveMemory.Call(p, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	procGlobalUnlock.Call(h)
	return h, nil
}
