package store

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// codecZstd is exchanges.body_codec for bodies stored zstd-compressed (migration 0008).
const codecZstd = "zstd"

// The encoder and decoder are safe for concurrent EncodeAll / DecodeAll. The fastest
// level keeps the capture writer's cost per body well under its SQLite insert's.
var (
	bodyEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	bodyDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// packBody is the stored form of a body under codecZstd.
func packBody(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return bodyEncoder.EncodeAll(b, make([]byte, 0, len(b)/3))
}

// unpackBodies turns the stored bodies of an exchange back into the captured ones.
func unpackBodies(codec string, req, resp *[]byte) error {
	switch codec {
	case "":
		return nil
	case codecZstd:
		for _, b := range []*[]byte{req, resp} {
			if len(*b) == 0 {
				continue
			}
			out, err := bodyDecoder.DecodeAll(*b, nil)
			if err != nil {
				return fmt.Errorf("decode body: %w", err)
			}
			*b = out
		}
		return nil
	}
	return fmt.Errorf("body codec %q: unknown to this llmtap (a newer version wrote it?)", codec)
}
