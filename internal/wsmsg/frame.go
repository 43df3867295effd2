package wsmsg

import (
	"encoding/binary"
	"fmt"
)

// opcode is a frame's type (RFC 6455 section 5.2).
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xa
)

// control reports whether op is a control frame's (close, ping, pong or a reserved
// control opcode): those may come between the fragments of a message.
func (op opcode) control() bool { return op&0x8 != 0 }

func (op opcode) known() bool {
	switch op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
		return true
	}
	return false
}

// Bits of the first two header bytes.
const (
	finBit  = 0x80
	rsv1Bit = 0x40 // permessage-deflate: the message is compressed
	rsvBits = 0x70
	maskBit = 0x80
)

const (
	maxHeaderLen     = 2 + 8 + 4 // 64-bit length and a masking key
	maxControlLen    = 125
	maxPayloadLength = 1<<63 - 1 // the most significant bit of a 64-bit length must be 0
)

// header is the part of a frame before its payload.
type header struct {
	fin    bool
	rsv    byte // the RSV bits, in place (rsvBits)
	op     opcode
	key    [4]byte // masking key; zero for an unmasked frame, which XORs the same
	length uint64
}

// headerLen returns the length of a header whose second byte is b1.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&maskBit != 0 {
		n += 4
	}
	return n
}

// parseHeader decodes a complete header: len(b) == headerLen(b[1]). Lengths that are
// not in their shortest form are accepted, as the peers' libraries do.
func parseHeader(b []byte) header {
	h := header{fin: b[0]&finBit != 0, rsv: b[0] & rsvBits, op: opcode(b[0] & 0xf)}
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		h.length = uint64(binary.BigEndian.Uint16(b[2:]))
		n = 4
	case 127:
		h.length = binary.BigEndian.Uint64(b[2:])
		n = 10
	default:
		h.length = uint64(l)
	}
	if b[1]&maskBit != 0 {
		copy(h.key[:], b[n:n+4])
	}
	return h
}

// problem returns why h cannot come next, or "" if it can. inMessage says a
// fragmented data message is unfinished; compressed says permessage-deflate is on.
func (h *header) problem(inMessage, compressed bool) string {
	switch {
	case !h.op.known():
		return fmt.Sprintf("reserved opcode %#x", byte(h.op))
	case h.rsv&^rsv1Bit != 0:
		return fmt.Sprintf("reserved bits %#02x set (no extension that uses them is supported)", h.rsv)
	case h.length > maxPayloadLength:
		return fmt.Sprintf("length %#x has its most significant bit set", h.length)
	case h.op.control() && !h.fin:
		return "fragmented control frame"
	case h.op.control() && h.length > maxControlLen:
		return fmt.Sprintf("control frame of %d bytes", h.length)
	case h.op.control() && h.rsv != 0:
		return "RSV1 set on a control frame"
	case h.op == opContinuation && !inMessage:
		return "continuation frame outside a message"
	case h.op == opContinuation && h.rsv != 0:
		return "RSV1 set on a continuation frame"
	case (h.op == opText || h.op == opBinary) && inMessage:
		return "new message before the previous one ended"
	case h.rsv != 0 && !compressed:
		return "RSV1 set but permessage-deflate was not negotiated"
	}
	return ""
}

// mask XORs b with key as the bytes at position pos of a frame's payload (RFC 6455
// section 5.3), and returns the position after b. Masking and unmasking are the same.
func mask(key [4]byte, pos int, b []byte) int {
	end := pos + len(b)
	if key == [4]byte{} {
		return end
	}
	var k [4]byte
	for i := range k {
		k[i] = key[(pos+i)&3]
	}
	// A word at a time: client frames are masked, and this runs on every byte of them.
	if len(b) >= 16 {
		k32 := uint64(binary.LittleEndian.Uint32(k[:]))
		k64 := k32<<32 | k32
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= k[i&3]
	}
	return end
}
