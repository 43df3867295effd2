package capture

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
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
	meta, err := json.Marshal(recordMeta{
		Method: ex.Method, URL: ex.URL, Route: ex.Route, Host: ex.Host, Path: ex.Path,
		ReqHeader: ex.ReqHeader, Status: ex.Status, RespHeader: ex.RespHeader, Stream: ex.Stream,
		Truncated: ex.Truncated, Aborted: ex.Aborted, Err: ex.Err,
		Start: ex.Start, FirstByte: ex.FirstByte, End: ex.End, ReqLen: len(ex.ReqBody),
	})
	if err != nil {
		return nil, fmt.Errorf("encode capture of %s %s: %w", ex.Method, ex.URL, err)
	}
	// Three zstd frames, one per part: a decoder reads concatenated frames as one
	// stream, and the bodies are compressed where they lie instead of being copied
	// into one buffer first (a 30 MB request would otherwise be held twice more).
	head := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+len(meta)), uint32(len(meta)))
	head = append(head, meta...)
	out := make([]byte, 1, 1+(len(head)+len(ex.ReqBody)+len(ex.RespBody))/4)
	out[0] = recordVersion
	out = zpool.Encode(head, out)
	if len(ex.ReqBody) > 0 {
		out = zpool.Encode(ex.ReqBody, out)
	}
	if len(ex.RespBody) > 0 {
		out = zpool.Encode(ex.RespBody, out)
	}
	return out, nil
}

// decode turns a record back into the Exchange it was made from.
func decode(rec []byte) (*proxy.Exchange, error) {
	ex, _, err := decodeRecord(rec)
	return ex, err
}

// decodeRecord is decode that also returns the response body's zstd frame as the
// record holds it (nil when there is no response body, or the record's frames are
// not told apart): the store keeps that frame rather than compressing the body
// again, which for a big reply cost as much as the rest of storing it. The body
// returned is what that very frame decodes to.
func decodeRecord(rec []byte) (*proxy.Exchange, []byte, error) {
	if len(rec) == 0 || rec[0] != recordVersion {
		return nil, nil, fmt.Errorf("%w: version %v, want %d", errRecord, first(rec), recordVersion)
	}
	frames := rec[1:]
	last := -1 // where the last frame starts
	for at := 0; at < len(frames); {
		n := zpool.FrameLen(frames[at:])
		if n == 0 {
			last = -1
			break
		}
		last, at = at, at+n
	}
	var raw, tail []byte
	var err error
	if last > 0 {
		if raw, err = zpool.Decode(frames[:last], nil); err == nil {
			tail, err = zpool.Decode(frames[last:], nil)
		}
	} else {
		raw, err = zpool.Decode(frames, nil)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errRecord, err)
	}
	if len(raw) < 4 || uint64(binary.LittleEndian.Uint32(raw)) > uint64(len(raw)-4) {
		raw, tail = append(raw, tail...), nil // the metadata is not all in the first frames
	}
	if len(raw) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes", errRecord, len(raw))
	}
	n := binary.LittleEndian.Uint32(raw)
	if uint64(n) > uint64(len(raw)-4) {
		return nil, nil, fmt.Errorf("%w: metadata length %d beyond the record", errRecord, n)
	}
	var m recordMeta
	if err := json.Unmarshal(raw[4:4+n], &m); err != nil {
		return nil, nil, fmt.Errorf("%w: metadata: %w", errRecord, err)
	}
	ex := &proxy.Exchange{
		Method: m.Method, URL: m.URL, Route: m.Route, Host: m.Host, Path: m.Path,
		ReqHeader: m.ReqHeader, Status: m.Status, RespHeader: m.RespHeader, Stream: m.Stream,
		Truncated: m.Truncated, Aborted: m.Aborted, Err: m.Err,
		Start: m.Start, FirstByte: m.FirstByte, End: m.End,
	}
	bodies := raw[4+n:]
	switch {
	case len(tail) > 0 && len(bodies) == m.ReqLen: // the last frame is the response's
		if m.ReqLen > 0 {
			ex.ReqBody = bodies[:m.ReqLen:m.ReqLen]
		}
		ex.RespBody = tail
		return ex, frames[last:], nil
	case len(tail) > 0:
		bodies = append(bodies, tail...)
	}
	if m.ReqLen < 0 || m.ReqLen > len(bodies) {
		return nil, nil, fmt.Errorf("%w: request length %d beyond the record", errRecord, m.ReqLen)
	}
	// Full slice expressions: neither body can grow into the other.
	if m.ReqLen > 0 {
		ex.ReqBody = bodies[:m.ReqLen:m.ReqLen]
	}
	if len(bodies) > m.ReqLen {
		ex.RespBody = bodies[m.ReqLen:]
	}
	return ex, nil, nil
}

func first(b []byte) any {
	if len(b) == 0 {
		return "none"
	}
	return b[0]
}
