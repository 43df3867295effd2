package zpool

import (
	"encoding/binary"
	"io"
)

// FrameLen returns the length of the zstd frame src starts with (RFC 8878 §3.1.1:
// magic, frame header, blocks, optional checksum), read from its headers without
// decoding it, or 0 when src does not start with a whole, well-formed frame header
// and block chain. Skippable and legacy frames are not recognised.
func FrameLen(src []byte) int {
	return int(frameLen(func(off int64, n int) []byte {
		if off+int64(n) > int64(len(src)) {
			return nil
		}
		return src[off : off+int64(n)]
	}, int64(len(src))))
}

// FrameLenAt is FrameLen for the frame at the start of r's first size bytes: it
// reads only the frame's headers, a few bytes per 128 KiB block, so a big frame in a
// file is measured without being read.
func FrameLenAt(r io.ReaderAt, size int64) int64 {
	var buf [18]byte // the longest frame header
	return frameLen(func(off int64, n int) []byte {
		if off+int64(n) > size {
			return nil
		}
		b := buf[:n]
		if _, err := r.ReadAt(b, off); err != nil {
			return nil
		}
		return b
	}, size)
}

// frameLen measures the frame in size bytes, reading n of them at off with peek
// (nil: not there).
func frameLen(peek func(off int64, n int) []byte, size int64) int64 {
	h := peek(0, 5)
	if h == nil || binary.LittleEndian.Uint32(h) != 0xFD2FB528 {
		return 0
	}
	fhd := h[4]
	if fhd&0x08 != 0 { // reserved bit
		return 0
	}
	single := fhd&0x20 != 0
	n := int64(5)
	if !single {
		n++ // window descriptor
	}
	n += [4]int64{0, 1, 2, 4}[fhd&3] // dictionary id
	switch fcs := fhd >> 6; {
	case fcs == 0 && single:
		n++
	case fcs > 0:
		n += 1 << fcs // 2, 4 or 8 bytes
	}
	for {
		b := peek(n, 3)
		if b == nil {
			return 0
		}
		h := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
		n += 3
		bsize := int64(h >> 3)
		switch (h >> 1) & 3 {
		case 0, 2: // raw, compressed
			n += bsize
		case 1: // RLE: one byte repeated size times
			n++
		default: // reserved
			return 0
		}
		if n > size {
			return 0
		}
		if h&1 != 0 { // last block
			break
		}
	}
	if fhd&0x04 != 0 { // content checksum
		n += 4
	}
	if n > size {
		return 0
	}
	return n
}
