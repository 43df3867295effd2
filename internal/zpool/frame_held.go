package zpool

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Frame is one zstd frame: in memory chunks or in a temporary file, as a Writer made
// it; as one slice (FrameOf); or where it lies in a file someone else owns
// (FrameAt). It is read by one goroutine at a time. Release lets its file go, and a
// Frame no longer referenced is released by the collector, so a forgotten one
// leaks no file.
type Frame struct {
	chunks  [][]byte
	at      io.ReaderAt // the frame from its first byte, when not in memory
	size    int64
	release func() // lets at go; nil when in memory
	clean   runtime.Cleanup
}

// FrameOf is the Frame held in b, which it does not copy.
func FrameOf(b []byte) *Frame { return &Frame{chunks: [][]byte{b}, size: int64(len(b))} }

// FrameAt is the frame that is r's first size bytes; release, called once by
// Release (or when the Frame is collected), lets r go.
func FrameAt(r io.ReaderAt, size int64, release func()) *Frame {
	f := &Frame{at: r, size: size, release: release}
	f.clean = runtime.AddCleanup(f, func(release func()) { release() }, release)
	return f
}

func newFrame(chunks [][]byte, file *spillFile, size int64) *Frame {
	if file != nil {
		return FrameAt(file.f, size, file.release)
	}
	return &Frame{chunks: chunks, size: size}
}

// Size is the frame's length in bytes.
func (f *Frame) Size() int64 { return f.size }

// Chunks returns the frame's memory chunks, to be read one after the other, or nil
// when it is in a file (File).
func (f *Frame) Chunks() [][]byte {
	if f.at != nil {
		return nil
	}
	return f.chunks
}

// File returns what holds the frame from its first byte, when it is in a file, or
// nil when it is in memory (Chunks). It can be read until Release.
func (f *Frame) File() io.ReaderAt { return f.at }

// Bytes returns the frame as one slice: its only chunk as it is, else a copy.
func (f *Frame) Bytes() ([]byte, error) {
	if f.at == nil {
		if len(f.chunks) == 1 {
			return f.chunks[0], nil
		}
		return bytes.Join(f.chunks, nil), nil
	}
	b := make([]byte, f.size)
	if _, err := f.at.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("read a frame from its file: %w", err)
	}
	return b, nil
}

// Release lets the frame's file go; the Frame must not be read after it. It is
// safe to call more than once, and on nil.
func (f *Frame) Release() {
	if f == nil || f.release == nil {
		return
	}
	f.clean.Stop()
	f.release()
	f.release, f.at = nil, nil
}

// spillFile is a temporary file holding a frame. Where the system lets an open file
// be removed, it has no name from the start: nothing is left behind by a crash.
type spillFile struct {
	f    *os.File
	name string // removed on release; "" once removed
	once sync.Once
}

// spillPattern names the files of spilled frames (os.CreateTemp, RemoveSpilled).
const spillPattern = "frame-*.zst"

func newSpillFile(dir string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, spillPattern)
	if err != nil {
		return nil, err
	}
	sf := &spillFile{f: f, name: f.Name()}
	if runtime.GOOS != "windows" && os.Remove(sf.name) == nil {
		sf.name = ""
	}
	return sf, nil
}

// release closes and removes the file; it may be called more than once.
func (sf *spillFile) release() {
	sf.once.Do(func() {
		sf.f.Close()
		if sf.name != "" {
			os.Remove(sf.name)
		}
	})
}

// RemoveSpilled removes the frame files a Writer left in dir (a process that ended
// before releasing them, where open files cannot be removed).
func RemoveSpilled(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, spillPattern))
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove spilled frames: %w", err)
	}
	return nil
}
