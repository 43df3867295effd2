package wsmsg

import (
	"errors"
	"fmt"
	"runtime"
)

// DefaultMaxMessage is the MaxMessage of Options that leave it zero.
const DefaultMaxMessage = 16 << 20

// A text message buffer that grew past this is let go after its message, so that one
// large message does not pin its memory for the rest of a long session.
const keepBufferUpTo = 1 << 20

// ErrProtocol is wrapped by the error Write returns for bytes that are not a
// WebSocket stream as negotiated. The peers may disagree (the Reader knows no
// extension but permessage-deflate); the relay is not affected either way.
var ErrProtocol = errors.New("websocket protocol error")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("wsmsg reader closed")

// Options configure a Reader for one direction of one connection. Which side the
// bytes come from needs no option: each frame is unmasked by its own mask bit (a
// client's are masked, a server's not), so a peer that gets this wrong is still read.
type Options struct {
	// Compressed says the handshake negotiated permessage-deflate (Deflate.On): a
	// message whose first frame has RSV1 set is compressed. Without it, RSV1 is a
	// protocol error.
	Compressed bool

	// NoContextTakeover says this direction's sender starts its compressor afresh for
	// every message: Deflate.ClientNoContextTakeover for the client's frames,
	// ServerNoContextTakeover for the server's. Otherwise a message may refer back to
	// the previous ones, and the Reader keeps their last 32 KiB to inflate it.
	NoContextTakeover bool

	// MaxMessage is the length of the longest text message delivered to Text, after
	// inflation; longer ones are read to the end (and inflated, when later messages
	// may refer back into them) but dropped and counted in Stats.TooLong. Zero or
	// less means DefaultMaxMessage. A Reader holds at most MaxMessage bytes of a
	// message, plus about 120 KiB once a message was compressed (50 KiB without
	// context takeover): flate's state, its window and the Reader's own copy of it.
	MaxMessage int

	// Text is called with each complete text message, in stream order, from within
	// Write. msg is valid only during the call and must not be kept or changed.
	// Nil drops the messages, which are still read and counted.
	Text func(msg []byte)
}

// Stats counts what a Reader has read.
type Stats struct {
	Text    int  // text messages delivered to Options.Text
	TooLong int  // text messages longer than Options.MaxMessage, read but not delivered
	Binary  int  // binary messages, read and dropped
	Control int  // close, ping and pong frames
	Closed  bool // a close frame was read; the Reader ignores the bytes after it
}

// Skipped returns how many messages were read but not delivered.
func (s Stats) Skipped() int { return s.TooLong + s.Binary }

// Reader reads the messages of one direction of a WebSocket connection from the
// bytes written to it. It is not safe for concurrent use: one goroutine writes, and
// Stats and Close are called from it or after it is done.
type Reader struct {
	text        func([]byte)
	max         int
	compressed  bool // permessage-deflate is on
	keepHistory bool // and messages may refer back to earlier ones

	err    error // the first protocol error, or ErrClosed; sticky
	closed bool  // a close frame was read
	offset int64 // stream bytes consumed, for errors

	// The frame being read. Between frames, hdrLen and left are 0.
	hdr     [maxHeaderLen]byte
	hdrLen  int
	frame   header
	frameAt int64
	left    uint64 // payload bytes still to come
	maskPos int    // payload bytes read, for the masking key

	// The data message being read, from its first frame to the one with FIN.
	inMessage bool
	binary    bool
	deflated  bool // RSV1 was set on its first frame
	inflating bool // its payload goes to z
	tooLong   bool // longer than max: not kept
	msgAt     int64
	buf       []byte // a text message's bytes so far

	z     *inflater // made for the first compressed message
	hist  history
	stats Stats
}

// New returns a Reader for the stream o describes, positioned at the first byte
// after the handshake.
func New(o Options) *Reader {
	r := &Reader{text: o.Text, max: o.MaxMessage, compressed: o.Compressed,
		keepHistory: o.Compressed && !o.NoContextTakeover}
	if r.max <= 0 {
		r.max = DefaultMaxMessage
	}
	return r
}

// Write feeds the next bytes of the stream, split anywhere, and calls Options.Text
// for each text message they complete. It never blocks on I/O and always returns
// len(p): the error says the Reader stopped, not that bytes were refused. After the
// first protocol error (wrapping ErrProtocol) it returns that error and ignores
// everything after it; after a close frame it ignores everything and returns nil.
// Write neither changes nor keeps p.
func (r *Reader) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && r.err == nil && !r.closed {
		var k int
		if r.left > 0 {
			k = r.readPayload(p)
		} else {
			k = r.readHeader(p)
		}
		p = p[k:]
		r.offset += int64(k)
	}
	return n, r.err
}

// Close stops the Reader: Write returns ErrClosed from then on. It ends the
// decompressor of a compressed message cut off mid-stream, which otherwise waits
// for the rest as a parked goroutine until the Reader is garbage collected. It
// returns nil.
func (r *Reader) Close() error {
	r.abandonMessage()
	if r.err == nil {
		r.err = ErrClosed
	}
	return nil
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// readHeader reads header bytes from p and returns how many; once the header is
// whole it starts the frame.
func (r *Reader) readHeader(p []byte) int {
	if r.hdrLen == 0 {
		r.frameAt = r.offset
	}
	k := 0
	for {
		need := 2
		if r.hdrLen >= 2 {
			need = headerLen(r.hdr[1])
		}
		if r.hdrLen == need {
			break
		}
		c := copy(r.hdr[r.hdrLen:need], p[k:])
		r.hdrLen += c
		k += c
		if r.hdrLen < need {
			return k
		}
	}
	h := parseHeader(r.hdr[:r.hdrLen])
	r.hdrLen = 0
	if why := h.problem(r.inMessage, r.compressed); why != "" {
		r.fail(fmt.Errorf("frame at byte %d: %s: %w", r.frameAt, why, ErrProtocol))
		return k
	}
	r.frame, r.left, r.maskPos = h, h.length, 0
	if h.op == opText || h.op == opBinary {
		r.startMessage()
	}
	if r.left == 0 {
		r.endFrame()
	}
	return k
}

// readPayload reads payload bytes from p and returns how many.
func (r *Reader) readPayload(p []byte) int {
	if uint64(len(p)) > r.left {
		p = p[:r.left]
	}
	if !r.frame.op.control() { // their payloads (close reasons, ping data) are not recorded
		r.data(p)
	}
	r.left -= uint64(len(p))
	r.maskPos += len(p)
	if r.left == 0 && r.err == nil {
		r.endFrame()
	}
	return len(p)
}

func (r *Reader) startMessage() {
	r.inMessage, r.msgAt = true, r.frameAt
	r.binary, r.deflated = r.frame.op == opBinary, r.frame.rsv&rsv1Bit != 0
	// A compressed binary message is inflated only to keep the window right.
	if !r.deflated || (r.binary && !r.keepHistory) {
		return
	}
	if r.z == nil {
		r.z = newInflater()
		// A safety net for a Reader dropped without Close mid-message: the
		// inflater does not refer to r, so r can be collected and end its coroutine.
		runtime.AddCleanup(r, (*inflater).abort, r.z)
	}
	var dict []byte
	if r.keepHistory {
		dict = r.hist.window()
	}
	r.z.start(dict)
	r.inflating = true
}

// data takes the next payload bytes of a data frame.
func (r *Reader) data(p []byte) {
	switch {
	case r.inflating:
		r.inflate(p, r.frame.key, r.maskPos, false)
	case r.binary || r.deflated || r.tooLong:
		// dropped: a binary message, or one that need not be inflated
	case len(r.buf)+len(p) > r.max:
		r.tooLong, r.buf = true, r.buf[:0]
	default:
		start := len(r.buf)
		r.buf = appendUpTo(r.buf, p, r.max)
		mask(r.frame.key, r.maskPos, r.buf[start:])
	}
}

// inflated takes the output of a compressed message, and returns false if the rest
// need not be inflated.
func (r *Reader) inflated(out []byte) bool {
	if !r.binary && !r.tooLong {
		if len(r.buf)+len(out) <= r.max {
			r.buf = appendUpTo(r.buf, out, r.max)
			return true
		}
		r.tooLong = true
		if !r.keepHistory {
			r.buf = r.buf[:0]
			return false
		}
		r.hist.write(r.buf)
		r.buf = r.buf[:0]
	}
	// Binary, or too long: not kept, but the next message may refer back into it.
	r.hist.write(out)
	return true
}

// inflate passes payload to z (see inflater.write), and fails the Reader if the
// message cannot be inflated.
func (r *Reader) inflate(p []byte, key [4]byte, pos int, last bool) {
	r.z.write(p, key, pos, last, r.inflated)
	if err := r.z.err; err != nil {
		r.fail(fmt.Errorf("message at byte %d: inflate: %w: %w", r.msgAt, err, ErrProtocol))
	}
}

func (r *Reader) endFrame() {
	switch {
	case r.frame.op == opClose:
		r.stats.Control++
		r.stats.Closed, r.closed = true, true
		r.abandonMessage() // a message cut off by a close frame is not delivered
	case r.frame.op.control():
		r.stats.Control++
	case r.frame.fin:
		r.endMessage()
	}
}

func (r *Reader) endMessage() {
	if r.inflating {
		if r.inflate(nil, [4]byte{}, 0, true); r.err != nil {
			return
		}
	}
	switch {
	case r.binary:
		r.stats.Binary++
	case r.tooLong:
		r.stats.TooLong++
	default:
		if r.deflated && r.keepHistory {
			r.hist.write(r.buf) // before Text sees buf
		}
		r.stats.Text++
		if r.text != nil {
			r.text(r.buf)
		}
	}
	r.resetMessage()
}

func (r *Reader) abandonMessage() {
	if r.z != nil {
		r.z.abort()
	}
	r.resetMessage()
}

func (r *Reader) resetMessage() {
	r.inMessage, r.binary, r.deflated, r.inflating, r.tooLong = false, false, false, false, false
	r.buf = r.buf[:0]
	if cap(r.buf) > keepBufferUpTo {
		r.buf = nil
	}
}

func (r *Reader) fail(err error) {
	r.err = err
	r.abandonMessage()
}

// appendUpTo appends p to b, which must have room for it under limit, without
// growing b past limit as append could.
func appendUpTo(b, p []byte, limit int) []byte {
	if need := len(b) + len(p); need > cap(b) {
		nb := make([]byte, len(b), min(max(need, 2*cap(b), 512), limit))
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}
