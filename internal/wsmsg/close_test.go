package wsmsg_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

// inflaters counts the goroutines running a Reader's decompressor.
func inflaters() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("wsmsg.(*inflater).run("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// halfMessage returns the start of a compressed message cut off mid-frame: a Reader
// fed it has a decompressor waiting for the rest.
func halfMessage(t *testing.T) []byte {
	e := &encoder{t: t, masked: true}
	e.deflated(words(5000, 9))
	return e.out[:len(e.out)/2]
}

// TestCloseEndsInflater: Close ends the coroutine a cut-off compressed message left.
func TestCloseEndsInflater(t *testing.T) {
	before := inflaters()
	r := wsmsg.New(wsmsg.Options{Compressed: true})
	r.Write(halfMessage(t))
	if n := inflaters(); n != before+1 {
		t.Fatalf("%d decompressors running mid-message, want %d", n, before+1)
	}
	r.Close()
	if n := inflaters(); n != before {
		t.Errorf("%d decompressors running after Close, want %d", n, before)
	}
}

// TestMessageEndsInflater: between messages a Reader runs no goroutine.
func TestMessageEndsInflater(t *testing.T) {
	before := inflaters()
	for _, s := range testStreams(t) {
		if s.opts.Compressed && !s.err && !s.stats.Closed {
			r := wsmsg.New(s.opts)
			if _, err := r.Write(s.data); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if n := inflaters(); n != before {
				t.Errorf("%s: %d decompressors running after the stream, want %d", s.name, n, before)
			}
		}
	}
}

// TestDroppedReaderEndsInflater: a Reader dropped mid-message without Close does not
// leave its coroutine behind for good.
func TestDroppedReaderEndsInflater(t *testing.T) {
	before := inflaters()
	func() {
		r := wsmsg.New(wsmsg.Options{Compressed: true})
		r.Write(halfMessage(t))
	}()
	// Cleanups run after a collection, on their own goroutine.
	for i := 0; inflaters() > before; i++ {
		if i == 1000 {
			t.Fatalf("%d decompressors running long after the Reader was dropped, want %d", inflaters(), before)
		}
		runtime.GC()
		runtime.Gosched()
	}
}
