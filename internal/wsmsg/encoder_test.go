package wsmsg_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// Frame bits and opcodes, as the tests write them.
const (
	fin  = 0x80
	rsv1 = 0x40
	rsv2 = 0x20
	rsv3 = 0x10

	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xa
)

// encoder writes the frames one side of a WebSocket connection sends.
type encoder struct {
	t      testing.TB
	masked bool // mask every frame, as a client does
	// noContextTakeover compresses each message afresh; otherwise one flate.Writer
	// runs across the whole stream and messages refer back to earlier ones.
	noContextTakeover bool
	stored            bool // compress with flate.NoCompression (stored blocks)
	fast              bool // compress with flate.BestSpeed; otherwise DefaultCompression

	fw   *flate.Writer // may be set to reuse one, at the right level; reset before use
	used bool          // fw has compressed a message of this stream
	cbuf bytes.Buffer
	key  uint32
	out  []byte
}

// frame appends a frame with the shortest length encoding.
func (e *encoder) frame(b0 byte, payload []byte) *encoder {
	switch n := len(payload); {
	case n < 126:
		return e.frameLen(b0, payload, 7)
	case n < 1<<16:
		return e.frameLen(b0, payload, 16)
	default:
		return e.frameLen(b0, payload, 64)
	}
}

// frameLen appends a frame whose length takes bits (7, 16 or 64) bits, shortest or not.
func (e *encoder) frameLen(b0 byte, payload []byte, bits int) *encoder {
	var maskBit byte
	if e.masked {
		maskBit = 0x80
	}
	e.out = append(e.out, b0)
	switch bits {
	case 7:
		e.out = append(e.out, maskBit|byte(len(payload)))
	case 16:
		e.out = binary.BigEndian.AppendUint16(append(e.out, maskBit|126), uint16(len(payload)))
	default:
		e.out = binary.BigEndian.AppendUint64(append(e.out, maskBit|127), uint64(len(payload)))
	}
	if !e.masked {
		e.out = append(e.out, payload...)
		return e
	}
	// A different key each frame, never zero, so a missed unmasking shows.
	e.key = e.key*2654435761 + 0x9e3779b9
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], e.key|0x01010101)
	e.out = append(e.out, key[:]...)
	for i, c := range payload {
		e.out = append(e.out, c^key[i%4])
	}
	return e
}

// compress returns msg as permessage-deflate sends it: flushed, without the final
// 00 00 ff ff.
func (e *encoder) compress(msg []byte) []byte {
	e.t.Helper()
	level := flate.DefaultCompression
	switch {
	case e.stored:
		level = flate.NoCompression
	case e.fast:
		level = flate.BestSpeed
	}
	switch {
	case e.fw == nil:
		var err error
		if e.fw, err = flate.NewWriter(&e.cbuf, level); err != nil {
			e.t.Fatal(err)
		}
	case !e.used || e.noContextTakeover:
		e.fw.Reset(&e.cbuf)
	}
	e.used = true
	e.cbuf.Reset()
	if _, err := e.fw.Write(msg); err != nil {
		e.t.Fatal(err)
	}
	if err := e.fw.Flush(); err != nil {
		e.t.Fatal(err)
	}
	out, ok := bytes.CutSuffix(e.cbuf.Bytes(), []byte{0, 0, 0xff, 0xff})
	if !ok {
		e.t.Fatalf("flushed output does not end in 00 00 ff ff: % x", e.cbuf.Bytes())
	}
	return bytes.Clone(out)
}

// message appends a data message (op is opText or opBinary), compressed or not, in
// fragments of at most frag bytes of payload (0: one frame).
func (e *encoder) message(op byte, msg string, compressed bool, frag int) *encoder {
	e.t.Helper()
	payload, first := []byte(msg), op
	if compressed {
		payload, first = e.compress(payload), op|rsv1
	}
	if frag <= 0 {
		frag = max(len(payload), 1)
	}
	for {
		n := min(frag, len(payload))
		if n == len(payload) {
			return e.frame(fin|first, payload)
		}
		e.frame(first, payload[:n])
		payload, first = payload[n:], opCont
	}
}

func (e *encoder) text(msg string) *encoder { return e.message(opText, msg, false, 0) }

func (e *encoder) deflated(msg string) *encoder { return e.message(opText, msg, true, 0) }

// raw appends bytes as they are.
func (e *encoder) raw(b ...byte) *encoder {
	e.out = append(e.out, b...)
	return e
}

// words returns about n bytes of text made of a small vocabulary, which compresses
// as JSON events do; seed picks the sequence.
func words(n int, seed uint64) string {
	vocab := strings.Fields(`type response audio transcript delta item conversation
		session input_audio_buffer append created done the a of and assistant user
		content text event_id rate_limits output function_call arguments {"x": 1}`)
	rng := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(vocab[rng.IntN(len(vocab))])
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

// noise returns n bytes that do not compress.
func noise(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rng.IntN(26))
	}
	return string(b)
}
