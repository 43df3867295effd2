package zpool

import "encoding/binary"

// FrameLen returns the length of the zstd frame src starts with (RFC 8878 §3.1.1:
// magic, frame header, blocks, optional checksum), read from its headers without
// decoding it, or 0 when src does not start with a whole, well-formed frame header
// and block chain. Skippable and legacy frames are not recognised.
func FrameLen(src []byte) int {
	if len(src) < 5 || binary.LittleEndian.Uint32(src) != 0xFD2FB528 {
		return 0
	}
	fhd := src[4]
	if fhd&0x08 != 0 { // reserved bit
		return 0
	}
	single := fhd&0x20 != 0
	n := 5
	if !single {
		n++ // window descriptor
	}
	n += [4]int{0, 1, 2, 4}[fhd&3] // dictionary id
	switch fcs := fhd >> 6; {
	case fcs == 0 && single:
		n++
	case fcs > 0:
		n += 1 << fcs // 2, 4 or 8 bytes
	}
	for {
		if n+3 > len(src) {
			return 0
		}
		h := uint32(src[n]) | uint32(src[n+1])<<8 | uint32(src[n+2])<<16
		n += 3
		size := int(h >> 3)
		switch (h >> 1) & 3 {
		case 0, 2: // raw, compressed
			n += size
		case 1: // RLE: one byte repeated size times
			n++
		default: // reserved
			return 0
		}
		if n > len(src) {
			return 0
		}
		if h&1 != 0 { // last block
			break
		}
	}
	if fhd&0x04 != 0 { // content checksum
		n += 4
	}
	if n > len(src) {
		return 0
	}
	return n
}
