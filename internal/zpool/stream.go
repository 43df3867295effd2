package zpool

import (
	"sync"

	"github.com/klauspost/compress/zstd"
)

// streamers are the encoders of Writers: a streaming encoder keeps its own state
// between writes, so it is never shared with EncodeAll's pool. With concurrency 1 it
// compresses each block on the writing goroutine and starts none of its own.
var streamers = sync.Pool{New: func() any {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(1<<20))
	if err != nil {
		panic(err) // only for invalid options, which are constants here
	}
	return e
}}

// Writer compresses bytes written to it in pieces into one zstd frame held in
// memory, for a body that is never held whole: it costs the frame and the
// encoder's 1 MiB window, not the body. The frame is kept in chunks, so it never
// needs a second copy to grow into; Close returns them. A Writer is used by one
// goroutine at a time.
type Writer struct {
	e   *zstd.Encoder
	out chunks
	n   int64
	err error
}

// chunkSize is the size of a Writer's chunks: big enough that a 10 MB frame is a
// few dozen of them, small enough that the last one wastes little.
const chunkSize = 256 << 10

// chunks is where an encoder writes the frame.
type chunks struct{ c [][]byte }

func (f *chunks) Write(p []byte) (int, error) {
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
	return n, nil
}

// NewWriter starts a frame.
func NewWriter() *Writer {
	w := &Writer{e: streamers.Get().(*zstd.Encoder)}
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

// Close ends the frame and returns it, in chunks to be read one after the other;
// the Writer is done with after it.
func (w *Writer) Close() ([][]byte, error) {
	if w.e == nil {
		return w.out.c, w.err
	}
	if err := w.e.Close(); w.err == nil {
		w.err = err
	}
	w.e.Reset(nil) // the pooled encoder must not keep the frame alive
	streamers.Put(w.e)
	w.e = nil
	return w.out.c, w.err
}
