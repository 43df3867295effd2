package store

import (
	"fmt"

	"github.com/llmtap/llmtap/internal/zpool"
)

// The values of exchanges.body_codec. Each names how both bodies of a row are stored.
const (
	// codecRaw: both bodies as captured (every row before migration 0008).
	codecRaw = ""
	// codecZstd: both bodies zstd-compressed on their own (migration 0008).
	codecZstd = "zstd"
	// codecRef: the response as codecZstd; the request a zstd-compressed delta
	// (delta.go) against the request body of exchange req_ref (migration 0011).
	codecRef = "zstd-ref"
)

// packBody is the stored form of a body under codecZstd.
func packBody(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return zpool.Encode(b, make([]byte, 0, len(b)/3))
}

// unzstd undoes packBody.
func unzstd(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return b, nil
	}
	out, err := zpool.Decode(b, nil)
	if err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	return out, nil
}

// unpackPlain decodes a body stored under a codec that needs no reference.
func unpackPlain(codec string, b []byte) ([]byte, error) {
	switch codec {
	case codecRaw:
		return b, nil
	case codecZstd:
		return unzstd(b)
	}
	return nil, fmt.Errorf("body codec %q: unknown to this llmtap (a newer version wrote it?)", codec)
}
