package desktop

/*
#cgo CFLAGS: -x objective-c -fobjc-arc
#cgo LDFLAGS: -framework Cocoa -framework CoreServices
#include <stdlib.h>
#include "drag_darwin.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// macDrag is a fileDrag and the hand-off of its start to the main thread.
type macDrag struct {
	fileDrag
	start *handoff
}

// startFileDrag drags path out with AppKit (see drag.go for the contract): on the main
// thread drag_darwin.m begins a dragging session from the key window with a file
// promise, whose delegate, called on a queue of its own at drop time, waits for the
// file and copies it to where the drop target wants it.
func startFileDrag(path string, ready <-chan error) error {
	if err := checkDragPath(path); err != nil {
		return fmt.Errorf("drag %q: %w", path, err)
	}
	d := &macDrag{fileDrag: fileDrag{path: path, ready: ready}, start: newHandoff()}
	h := cgo.NewHandle(d) // deleted by llmtapMacDragEnd, once the main thread is done with it
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	C.llmtapMacDragStart(cpath, C.uintptr_t(h))
	return d.start.wait(dragPickup)
}

func macDragOf(h C.uintptr_t) *macDrag { return cgo.Handle(h).Value().(*macDrag) }

// llmtapMacDragClaim is called on the main thread before it starts the drag: 1 if
// startFileDrag still waits for it.
//
//export llmtapMacDragClaim
func llmtapMacDragClaim(h C.uintptr_t) C.int {
	if macDragOf(h).start.claim() {
		return 1
	}
	return 0
}

// llmtapMacDragBegun reports that the drag began (msg NULL) or why not.
//
//export llmtapMacDragBegun
func llmtapMacDragBegun(h C.uintptr_t, msg *C.char) {
	var err error
	if msg != nil {
		err = errors.New(C.GoString(msg))
	}
	macDragOf(h).start.done(err)
}

// llmtapMacDragFile waits until the file is written: NULL when it is, else why not
// (malloc'd, the caller frees it). Only asked after the drag began, so ready is ours.
//
//export llmtapMacDragFile
func llmtapMacDragFile(h C.uintptr_t) *C.char {
	if err := macDragOf(h).wait(); err != nil {
		return C.CString(err.Error())
	}
	return nil
}

// llmtapMacDragEnd releases the drag's handle.
//
//export llmtapMacDragEnd
func llmtapMacDragEnd(h C.uintptr_t) {
	cgo.Handle(h).Delete()
}
