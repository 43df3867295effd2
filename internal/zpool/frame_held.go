package zpool

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Frame is one zstd frame as a Writer made it, held in memory chunks or in a
// temporary file, or as one slice (FrameOf). It is read by one goroutine at a time;
// Release lets its file go, and a Frame no longer referenced is released by the
// collector, so a forgotten one leaks no file.
type Frame struct {
	chunks [][]byte
	file   *spillFile
	size   int64
	clean  runtime.Cleanup
}

// FrameOf is the Frame held in b, which it does not copy.
func FrameOf(b []byte) *Frame { return &Frame{chunks: [][]byte{b}, size: int64(len(b))} }

func newFrame(chunks [][]byte, file *spillFile, size int64) *Frame {
	f := &Frame{chunks: chunks, file: file, size: size}
	if file != nil {
		f.clean = runtime.AddCleanup(f, (*spillFile).release, file)
	}
	return f
}

// Size is the frame's length in bytes.
func (f *Frame) Size() int64 { return f.size }

// Chunks returns the frame's memory chunks, to be read one after the other, or nil
// when it is in a file (File).
func (f *Frame) Chunks() [][]byte {
	if f.file != nil {
		return nil
	}
	return f.chunks
}

// File returns the file holding the frame from its first byte, or nil when the frame
// is in memory (Chunks). It stays open until Release.
func (f *Frame) File() io.ReaderAt {
	if f.file == nil {
		return nil
	}
	return f.file.f
}

// Bytes returns the frame as one slice: its only chunk as it is, else a copy.
func (f *Frame) Bytes() ([]byte, error) {
	if f.file == nil {
		if len(f.chunks) == 1 {
			return f.chunks[0], nil
		}
		return bytes.Join(f.chunks, nil), nil
	}
	b := make([]byte, f.size)
	if _, err := f.file.f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("read a spilled frame: %w", err)
	}
	return b, nil
}

// Release lets the frame's file go; the Frame must not be read after it. It is
// safe to call more than once, and on nil.
func (f *Frame) Release() {
	if f == nil || f.file == nil {
		return
	}
	f.clean.Stop()
	f.file.release()
	f.file = nil
}

// spillFile is a temporary file holding a frame. Where the system lets an open file
// be removed, it has no name from the start: nothing is left behind by a crash.
type spillFile struct {
	f    *os.File
	name string // removed on release; "" once removed
	once sync.Once
}

func newSpillFile(dir string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, "frame-*.zst")
	if err != nil {
		return nil, err
	}
	sf := &spillFile{f: f, name: f.Name()}
	if runtime.GOOS != "windows" && os.Remove(sf.name) == nil {
		sf.name = ""
	}
	return sf, nil
}

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
	names, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	var errs []error
	for _, e := range names {
		if !e.IsDir() && isSpillName(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove spilled frames: %w", errs[0])
	}
	return nil
}

func isSpillName(name string) bool {
	return len(name) > len("frame-.zst") && name[:6] == "frame-" && name[len(name)-4:] == ".zst"
}
