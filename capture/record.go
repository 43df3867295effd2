package capture

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// recordVersion is the first byte of every record; a reader refuses others, so a
// log written by a newer llmtap is never misread.
const recordVersion = 1

// errRecord is wrapped by decode for a record it cannot read.
var errRecord = errors.New("unreadable capture record")

// recordMeta is everything of an Exchange but its bodies, as stored in a record.
type recordMeta struct {
	Method     string      `json:"m"`
	URL        string      `json:"u"`
	Route      string      `json:"r,omitempty"`
	Host       string      `json:"h"`
	Path       string      `json:"p"`
	ReqHeader  http.Header `json:"qh,omitempty"`
	Status     int         `json:"s,omitempty"`
	RespHeader http.Header `json:"sh,omitempty"`
	Stream     bool        `json:"st,omitempty"`
	Truncated  bool        `json:"t,omitempty"`
	Aborted    bool        `json:"a,omitempty"`
	Err        string      `json:"e,omitempty"`
	Start      time.Time   `json:"t0"`
	FirstByte  time.Time   `json:"t1"`
	End        time.Time   `json:"t2"`
	ReqLen     int         `json:"ql"`
}

// encode turns ex into a record: the version byte, then zstd frames that decode to
// the metadata's length, the metadata as JSON, the request body and the response body.
func encode(ex *proxy.Exchange) ([]byte, error) {
	rec, err := encodeParts(ex)
	if err != nil {
		return nil, err
	}
	return rec.join()
}

// parts is a record in pieces, to be read one after the other.
type parts []spool.Part

// join returns the record as one slice, reading the pieces in files.
func (p parts) join() ([]byte, error) {
	n := int64(0)
	for _, x := range p {
		n += x.Len()
	}
	out := make([]byte, 0, n)
	for _, x := range p {
		if x.File == nil {
			out = append(out, x.Bytes...)
			continue
		}
		at := len(out)
		out = out[:at+int(x.Size)]
		if _, err := x.File.ReadAt(out[at:], 0); err != nil {
			return nil, fmt.Errorf("read a spilled request body: %w", err)
		}
	}
	return out, nil
}

// encodeParts is encode in pieces: a request body the proxy compressed as it
// forwarded it (Exchange.ReqZstd) is carried as its pieces, not copied into one
// slice with the rest (a 30 MB request's frame is ~10 MB).
func encodeParts(ex *proxy.Exchange) (parts, error) {
	meta, err := json.Marshal(recordMeta{
		Method: ex.Method, URL: ex.URL, Route: ex.Route, Host: ex.Host, Path: ex.Path,
		ReqHeader: ex.ReqHeader, Status: ex.Status, RespHeader: ex.RespHeader, Stream: ex.Stream,
		Truncated: ex.Truncated, Aborted: ex.Aborted, Err: ex.Err,
		Start: ex.Start, FirstByte: ex.FirstByte, End: ex.End, ReqLen: reqLen(ex),
	})
	if err != nil {
		return nil, fmt.Errorf("encode capture of %s %s: %w", ex.Method, ex.URL, err)
	}
	// Three zstd frames, one per part: a decoder reads concatenated frames as one
	// stream, and the bodies are compressed where they lie instead of being copied
	// into one buffer first (a 30 MB request would otherwise be held twice more).
	head := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+len(meta)), uint32(len(meta)))
	head = append(head, meta...)
	streamed := ex.ReqZstd != nil && ex.ReqLen > 0
	size := len(head) + len(ex.RespBody)
	if !streamed {
		size += len(ex.ReqBody)
	}
	out := make([]byte, 1, 1+size/4)
	out[0] = recordVersion
	out = zpool.Encode(head, out)
	if !streamed && len(ex.ReqBody) > 0 {
		out = zpool.Encode(ex.ReqBody, out)
	}
	rec := parts{spool.Bytes(out)}
	if streamed {
		if f := ex.ReqZstd.File(); f != nil {
			rec = append(rec, spool.Part{File: f, Size: ex.ReqZstd.Size()})
		} else {
			for _, c := range ex.ReqZstd.Chunks() {
				rec = append(rec, spool.Bytes(c))
			}
		}
	}
	if len(ex.RespBody) > 0 {
		if streamed {
			rec = append(rec, spool.Bytes(zpool.Encode(ex.RespBody, nil)))
		} else {
			rec[0].Bytes = zpool.Encode(ex.RespBody, rec[0].Bytes)
		}
	}
	return rec, nil
}

// reqLen is the length of ex's request body, however it is held.
func reqLen(ex *proxy.Exchange) int {
	if ex.ReqZstd != nil {
		return ex.ReqLen
	}
	return len(ex.ReqBody)
}

// decode turns a record back into the Exchange it was made from.
func decode(rec []byte) (*proxy.Exchange, error) {
	ex, _, err := decodeRecord(rec)
	return ex, err
}

// bodyFrames are a record's body frames as the record holds them: the store keeps
// a frame rather than compressing its body again, which for a big body cost as
// much as the rest of storing it. A frame is nil when its body is empty, or when
// the record's frames are not told apart; each body decoded is what its frame
// decodes to.
type bodyFrames struct {
	req, resp []byte
}

// decodeRecord is decode that also returns the record's body frames.
func decodeRecord(rec []byte) (*proxy.Exchange, bodyFrames, error) {
	if len(rec) == 0 || rec[0] != recordVersion {
		return nil, bodyFrames{}, fmt.Errorf("%w: version %v, want %d", errRecord, first(rec), recordVersion)
	}
	if ex, frames, ok := decodeParts(rec[1:]); ok {
		return ex, frames, nil
	}
	// Frames not told apart (or not as encode writes them): one stream.
	raw, err := zpool.Decode(rec[1:], nil)
	if err != nil {
		return nil, bodyFrames{}, fmt.Errorf("%w: %w", errRecord, err)
	}
	m, n, err := readMeta(raw)
	if err != nil {
		return nil, bodyFrames{}, err
	}
	bodies := raw[4+n:]
	if m.ReqLen < 0 || m.ReqLen > len(bodies) {
		return nil, bodyFrames{}, fmt.Errorf("%w: request length %d beyond the record", errRecord, m.ReqLen)
	}
	ex := m.exchange()
	// Full slice expressions: neither body can grow into the other.
	if m.ReqLen > 0 {
		ex.ReqBody = bodies[:m.ReqLen:m.ReqLen]
	}
	if len(bodies) > m.ReqLen {
		ex.RespBody = bodies[m.ReqLen:]
	}
	return ex, bodyFrames{}, nil
}

// lazyFrom is the size from which a record's request frame is left in the log's
// file (decodeRecordAt): the store keeps a body over store.MaxRefBody as its frame,
// which it then reads from there a part at a time.
const lazyFrom = 1 << 20

// decodeRecordAt is decodeRecord for a record left in the log's file (a Section of
// lazyFrom bytes or more). A request body the store keeps as its frame is decoded
// from the file, and its frame stays there: the exchange's ReqZstd reads it until
// released, which closes sec. Anything else is read into memory and decoded as
// decodeRecord does, and sec is closed.
func decodeRecordAt(sec *spool.Section) (*proxy.Exchange, bodyFrames, error) {
	ex, f, ok := decodeLazy(sec, sec.Size(), store.MaxRefBody, func() { sec.Close() })
	if ok {
		return ex, f, nil
	}
	defer sec.Close()
	rec := make([]byte, sec.Size())
	if _, err := sec.ReadAt(rec, 0); err != nil {
		return nil, bodyFrames{}, fmt.Errorf("read capture record: %w", err)
	}
	return decodeRecord(rec)
}

// decodeLazy decodes the record in r's first size bytes as decodeParts does, when
// its request body is over minReq bytes, leaving the body's frame in r: the
// exchange's ReqZstd reads it from there, and release lets r go. It reports false,
// having kept nothing and released nothing, for any other record.
func decodeLazy(sec io.ReaderAt, size int64, minReq int, release func()) (*proxy.Exchange, bodyFrames, bool) {
	var v [1]byte
	if _, err := sec.ReadAt(v[:], 0); err != nil || v[0] != recordVersion {
		return nil, bodyFrames{}, false
	}
	at := func(off, n int64) *io.SectionReader { return io.NewSectionReader(sec, off, n) }
	headLen := zpool.FrameLenAt(at(1, size-1), size-1)
	if headLen == 0 {
		return nil, bodyFrames{}, false
	}
	headFrame := make([]byte, headLen)
	if _, err := sec.ReadAt(headFrame, 1); err != nil {
		return nil, bodyFrames{}, false
	}
	head, err := zpool.Decode(headFrame, nil)
	if err != nil {
		return nil, bodyFrames{}, false
	}
	m, n, err := readMeta(head)
	if err != nil || 4+n != len(head) || m.ReqLen <= minReq || m.ReqLen > zpool.MaxDecoded {
		return nil, bodyFrames{}, false
	}
	reqAt := 1 + headLen
	reqLen := zpool.FrameLenAt(at(reqAt, size-reqAt), size-reqAt)
	if reqLen == 0 {
		return nil, bodyFrames{}, false
	}
	ex := m.exchange()
	var f bodyFrames
	if respAt := reqAt + reqLen; respAt < size {
		f.resp = make([]byte, size-respAt)
		if _, err := sec.ReadAt(f.resp, respAt); err != nil || zpool.FrameLen(f.resp) != len(f.resp) {
			return nil, bodyFrames{}, false
		}
		if ex.RespBody, err = zpool.Decode(f.resp, nil); err != nil || len(ex.RespBody) == 0 {
			return nil, bodyFrames{}, false
		}
	}
	if ex.ReqBody, err = zpool.DecodeInto(at(reqAt, reqLen), m.ReqLen); err != nil {
		return nil, bodyFrames{}, false
	}
	ex.ReqZstd = zpool.FrameAt(at(reqAt, reqLen), reqLen, release)
	ex.ReqLen = m.ReqLen
	return ex, f, true
}

// decodeParts decodes frames written as encode writes them: one frame for the
// metadata, then one for each body that is not empty, each decoded into a buffer
// of its own. It reports false for anything else.
func decodeParts(frames []byte) (*proxy.Exchange, bodyFrames, bool) {
	var parts [][]byte
	for at := 0; at < len(frames); {
		n := zpool.FrameLen(frames[at:])
		if n == 0 || len(parts) == 3 {
			return nil, bodyFrames{}, false
		}
		parts, at = append(parts, frames[at:at+n]), at+n
	}
	if len(parts) < 2 {
		return nil, bodyFrames{}, false // no body frame: one stream is decoded once
	}
	head, err := zpool.Decode(parts[0], nil)
	if err != nil {
		return nil, bodyFrames{}, false
	}
	m, n, err := readMeta(head)
	if err != nil || 4+n != len(head) {
		return nil, bodyFrames{}, false
	}
	ex, rest := m.exchange(), parts[1:]
	var f bodyFrames
	if m.ReqLen > 0 {
		if len(rest) == 0 {
			return nil, bodyFrames{}, false
		}
		// Into a buffer of the body's size: a frame the proxy made as the body streamed
		// does not say its size, and decoding it into a growing buffer held a 30 MB
		// body in ~60 MB. The length is the record's word, so it is bounded first.
		if m.ReqLen > zpool.MaxDecoded {
			return nil, bodyFrames{}, false
		}
		if ex.ReqBody, err = zpool.Decode(rest[0], make([]byte, 0, m.ReqLen)); err != nil || len(ex.ReqBody) != m.ReqLen {
			return nil, bodyFrames{}, false
		}
		f.req, rest = rest[0], rest[1:]
	}
	switch len(rest) {
	case 0:
	case 1:
		if ex.RespBody, err = zpool.Decode(rest[0], nil); err != nil || len(ex.RespBody) == 0 {
			return nil, bodyFrames{}, false
		}
		f.resp = rest[0]
	default:
		return nil, bodyFrames{}, false
	}
	return ex, f, true
}

// readMeta reads the metadata raw starts with and returns it with its length.
func readMeta(raw []byte) (recordMeta, int, error) {
	var m recordMeta
	if len(raw) < 4 {
		return m, 0, fmt.Errorf("%w: %d bytes", errRecord, len(raw))
	}
	n := binary.LittleEndian.Uint32(raw)
	if uint64(n) > uint64(len(raw)-4) {
		return m, 0, fmt.Errorf("%w: metadata length %d beyond the record", errRecord, n)
	}
	if err := json.Unmarshal(raw[4:4+n], &m); err != nil {
		return m, 0, fmt.Errorf("%w: metadata: %w", errRecord, err)
	}
	return m, int(n), nil
}

// exchange is the Exchange m describes, without its bodies.
func (m *recordMeta) exchange() *proxy.Exchange {
	return &proxy.Exchange{
		Method: m.Method, URL: m.URL, Route: m.Route, Host: m.Host, Path: m.Path,
		ReqHeader: m.ReqHeader, Status: m.Status, RespHeader: m.RespHeader, Stream: m.Stream,
		Truncated: m.Truncated, Aborted: m.Aborted, Err: m.Err,
		Start: m.Start, FirstByte: m.FirstByte, End: m.End,
	}
}

func first(b []byte) any {
	if len(b) == 0 {
		return "none"
	}
	return b[0]
}
