package zpool

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// streamers are the encoders of Writers: a streaming encoder keeps its own state
// between writes, so it is never shared with EncodeAll's pool. With concurrency 1 it
// compresses each block on the writing goroutine and starts none of its own.
var streamers = sync.Pool{New: func() any {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(Window))
	if err != nil {
		panic(err) // only for invalid options, which are constants here
	}
	return e
}}

// Writer compresses bytes written to it in pieces into one zstd frame, for a body
// that is never held whole: it costs the frame and the encoder's window, not
// the body. The frame is kept in chunks, so it never needs a second copy to grow
// into; a Writer made by NewSpillingWriter moves it to a temporary file once it
// passes SpillAt, so a body that is still arriving holds no more than that in
// memory. A Writer is used by one goroutine at a time.
type Writer struct {
	e   *zstd.Encoder
	out chunks
	n   int64
	err error
}

// chunkSize is the size of a Writer's chunks: big enough that a 10 MB frame is a
// few dozen of them, small enough that the last one wastes little.
const chunkSize = 256 << 10

// SpillAt is the frame size past which a spilling Writer keeps its frame in a file:
// a request of a few MB stays in memory, where it costs no system calls, and a 30 MB
// one (a ~9 MB frame) does not wait in memory while it arrives.
const SpillAt = 1 << 20

// chunks is where an encoder writes the frame: memory chunks, then, for a spilling
// Writer, a file.
type chunks struct {
	c    [][]byte
	n    int64  // bytes of frame written
	dir  string // where to spill; "" never
	file *spillFile
}

func (f *chunks) Write(p []byte) (int, error) {
	if f.file == nil && f.dir != "" && f.n+int64(len(p)) > SpillAt {
		f.spill()
	}
	if f.file != nil {
		if _, err := f.file.f.Write(p); err == nil {
			f.n += int64(len(p))
			return len(p), nil
		}
		// The disk refused (full, say): back to memory, where the rest of it goes.
		if err := f.unspill(); err != nil {
			return 0, err
		}
	}
	n := len(p)
	for len(p) > 0 {
		if len(f.c) == 0 || len(f.c[len(f.c)-1]) == chunkSize {
			f.c = append(f.c, make([]byte, 0, chunkSize))
		}
		last := &f.c[len(f.c)-1]
		k := copy((*last)[len(*last):chunkSize], p)
		*last = (*last)[:len(*last)+k]
		p = p[k:]
	}
	f.n += int64(n)
	return n, nil
}

// spill moves the chunks to a new temporary file, which takes what follows. When
// the file cannot be made or written, the frame stays in memory.
func (f *chunks) spill() {
	sf, err := newSpillFile(f.dir)
	if err != nil {
		f.dir = "" // no second try for this frame
		return
	}
	for _, c := range f.c {
		if _, err := sf.f.Write(c); err != nil {
			sf.release()
			f.dir = ""
			return
		}
	}
	f.c, f.file = nil, sf
}

// unspill reads the file back into chunks and lets it go.
func (f *chunks) unspill() error {
	sf := f.file
	f.file, f.dir = nil, ""
	defer sf.release()
	for off := int64(0); off < f.n; {
		c := make([]byte, min(chunkSize, f.n-off))
		if _, err := sf.f.ReadAt(c, off); err != nil {
			return fmt.Errorf("read back a spilled frame: %w", err)
		}
		f.c = append(f.c, c)
		off += int64(len(c))
	}
	return nil
}

// NewWriter starts a frame kept in memory.
func NewWriter() *Writer { return NewSpillingWriter("") }

// NewSpillingWriter starts a frame that moves to a temporary file in dir once it
// passes SpillAt ("" keeps it in memory). The file is removed when the Frame is
// released, or collected.
func NewSpillingWriter(dir string) *Writer {
	w := &Writer{e: streamers.Get().(*zstd.Encoder)}
	w.out.dir = dir
	w.e.Reset(&w.out)
	return w
}

// Write compresses p into the frame.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.e.Write(p)
	w.n += int64(n)
	w.err = err
	return n, err
}

// Len is how many bytes were written: what the frame decodes to.
func (w *Writer) Len() int64 { return w.n }

// Close ends the frame and returns it; the Writer is done with after it. Release
// the Frame once it has been read.
func (w *Writer) Close() (*Frame, error) {
	if w.e != nil {
		if err := w.e.Close(); w.err == nil {
			w.err = err
		}
		w.e.Reset(nil) // the pooled encoder must not keep the frame alive
		streamers.Put(w.e)
		w.e = nil
	}
	if w.err != nil {
		if w.out.file != nil {
			w.out.file.release()
			w.out.file = nil
		}
		return nil, w.err
	}
	return newFrame(w.out.c, w.out.file, w.out.n), nil
}
