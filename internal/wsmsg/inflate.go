package wsmsg

import (
	"compress/flate"
	"io"
	"iter"
)

// windowSize is the LZ77 window of DEFLATE: how far back a message may refer.
const windowSize = 32 << 10

// deflateTail ends the input of every compressed message; it is only read. The
// first four bytes are the empty stored block RFC 7692 section 7.2.1 has the sender
// remove. The rest is an empty final block, so that compress/flate ends a whole
// message with io.EOF, and one cut off mid-block with an error (it reads the tail
// as more of the block) rather than an end that looks clean.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// inflater decompresses one message at a time from payload that arrives in pieces.
//
// compress/flate pulls its input from an io.Reader and fails for good when that runs
// dry, but the proxy pushes bytes as it relays them, and buffering a message's
// compressed bytes until its last frame would hold them all (unbounded, for a message
// made of empty blocks). So the decompressor runs as a coroutine (iter.Pull): it
// consumes each piece as it comes and pauses, keeping its place in the DEFLATE
// stream, when the piece runs out. The coroutine lives from a message's first frame
// to its last; between messages there is none. Each costs a goroutine start and a
// few small allocations, little next to inflating even a short message.
//
// The coroutine only runs flate. Output goes back to the caller of write, on the
// caller's goroutine, so the callbacks never run on the coroutine's.
type inflater struct {
	fr  io.ReadCloser // flate's decompressor, reading from the inflater itself
	out []byte        // flate's output, handed to write's emit

	// The input piece being consumed, and its place in its frame's masking.
	in     []byte
	key    [4]byte
	pos    int
	last   bool // no more pieces: deflateTail comes next, then the end
	tailed bool // deflateTail has been put in in

	yield func([]byte) bool // the coroutine's; a nil value asks for the next piece
	next  func() ([]byte, bool)
	stop  func()
	err   error // why the message could not be inflated
}

func newInflater() *inflater {
	z := &inflater{out: make([]byte, 8<<10)}
	z.fr = flate.NewReader(z)
	return z
}

// start begins a message. dict is the window it may refer back to: the output of
// the previous messages with context takeover, nil without. flate copies it.
func (z *inflater) start(dict []byte) {
	z.abort()
	z.fr.(flate.Resetter).Reset(z, dict)
	z.in, z.key, z.pos, z.last, z.tailed, z.err = nil, [4]byte{}, 0, false, false, nil
	z.next, z.stop = iter.Pull(z.run)
}

// write feeds p, the payload bytes at position pos of a frame masked with key, and
// passes all the output they make to emit; if emit returns false the message is
// abandoned. last says p is the final piece of the message: the message is then
// over, and err says whether it inflated cleanly. Once the message is over or
// abandoned, write ignores its input; DEFLATE data after a final block is ignored too.
func (z *inflater) write(p []byte, key [4]byte, pos int, last bool, emit func([]byte) bool) {
	if z.next == nil {
		return
	}
	z.in, z.key, z.pos, z.last = p, key, pos, last
	for {
		out, ok := z.next()
		if !ok { // flate is done: the message ended, or could not be read
			z.next, z.stop = nil, nil
			return
		}
		if out == nil { // p is used up
			return
		}
		if !emit(out) {
			z.abort()
			return
		}
	}
}

// abort abandons the message being inflated, if any, and ends its coroutine.
func (z *inflater) abort() {
	if z.stop != nil {
		z.stop()
		z.next, z.stop = nil, nil
	}
	z.in, z.err = nil, nil
}

// run is the coroutine: it reads flate's output until the message ends.
func (z *inflater) run(yield func([]byte) bool) {
	z.yield = yield
	defer func() { z.yield = nil }()
	for {
		n, err := z.fr.Read(z.out)
		if n > 0 && !yield(z.out[:n]) {
			return
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			z.err = err
			return
		}
	}
}

// more waits until there is input, and returns false once the message has no more
// (or the coroutine is being stopped).
func (z *inflater) more() bool {
	for len(z.in) == 0 {
		switch {
		case z.last && !z.tailed:
			z.in, z.key, z.tailed = deflateTail, [4]byte{}, true
		case z.last:
			return false
		case !z.yield(nil):
			return false
		}
	}
	return true
}

// ReadByte gives flate its input. With io.ByteReader, flate reads no further ahead
// than it must, and so never past a piece.
func (z *inflater) ReadByte() (byte, error) {
	if len(z.in) == 0 && !z.more() {
		return 0, io.EOF
	}
	b := z.in[0] ^ z.key[z.pos&3]
	z.in = z.in[1:]
	z.pos++
	return b, nil
}

// Read gives flate the bytes of stored blocks.
func (z *inflater) Read(p []byte) (int, error) {
	if len(z.in) == 0 && !z.more() {
		return 0, io.EOF
	}
	n := copy(p, z.in)
	z.in = z.in[n:]
	z.pos = mask(z.key, z.pos, p[:n])
	return n, nil
}

// history is the last windowSize bytes of one direction's decompressed output: with
// context takeover, the next message may refer back into them (RFC 7692 sections
// 7.1.1 and 7.2.3.2). Only compressed messages count, binary ones too: the sender's
// compressor never sees the ones it sends uncompressed.
type history struct {
	buf []byte // the window is its last windowSize bytes; cap 2*windowSize
}

func (h *history) write(p []byte) {
	if h.buf == nil {
		h.buf = make([]byte, 0, 2*windowSize)
	}
	if len(p) >= windowSize {
		h.buf = append(h.buf[:0], p[len(p)-windowSize:]...)
		return
	}
	if len(h.buf)+len(p) > cap(h.buf) {
		// Move the bytes still in the window to the front, once per windowSize
		// bytes written at most.
		keep := windowSize - len(p)
		h.buf = h.buf[:copy(h.buf, h.buf[len(h.buf)-keep:])]
	}
	h.buf = append(h.buf, p...)
}

// window returns the window; it stays valid until the next write.
func (h *history) window() []byte {
	return h.buf[max(0, len(h.buf)-windowSize):]
}
