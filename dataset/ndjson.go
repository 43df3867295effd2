package dataset

import "bytes"

// NDJSONDecoder splits a newline-delimited JSON stream (Ollama's native API) into
// records as its bytes arrive. Records end in "\n" (a "\r" before it is dropped,
// so CRLF works), a line may be split across writes anywhere, lines holding only
// whitespace are skipped, and a last line without a newline is still delivered by
// End. Records are returned with surrounding whitespace trimmed; they are not
// checked to be JSON.
//
// Feed it with Write, take finished records with Next, and call End at the end of
// the body. The zero value is ready to use. An NDJSONDecoder is not safe for
// concurrent use.
type NDJSONDecoder struct {
	line     []byte // the current line while it is split across writes
	seenLine bool   // a first line was handled (it may start with a BOM)
	queue    fifo[[]byte]
	ended    bool
	cut      bool // End had to finish a line
	// emit, when set, takes each record in place of the queue; its argument is
	// valid only during the call, and false stops the decoding.
	emit    func(record []byte) bool
	stopped bool
}

// Write feeds the next bytes of the stream. It never fails and always consumes
// all of p; after End it ignores p.
func (d *NDJSONDecoder) Write(p []byte) (int, error) {
	n := len(p)
	if d.ended {
		return n, nil
	}
	for len(p) > 0 && !d.stopped {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.line = append(d.line, p...)
			break
		}
		if len(d.line) == 0 {
			d.handleLine(p[:i])
		} else {
			d.line = append(d.line, p[:i]...)
			d.handleLine(d.line)
			d.line = d.line[:0]
		}
		p = p[i+1:]
	}
	return n, nil
}

// Next returns the oldest finished record not yet taken, and false when there is
// none. The caller owns the returned bytes.
func (d *NDJSONDecoder) Next() ([]byte, bool) {
	return d.queue.pop()
}

// End marks the end of the stream: a last line without a newline is delivered as
// a record. End reports whether the stream ended cleanly at a line boundary (a
// trailing line of only whitespace counts as clean).
func (d *NDJSONDecoder) End() (complete bool) {
	if d.ended {
		return !d.cut
	}
	d.ended = true
	if len(bytes.TrimSpace(d.line)) > 0 {
		d.handleLine(d.line)
		d.cut = true
	}
	d.line = nil
	return !d.cut
}

func (d *NDJSONDecoder) handleLine(line []byte) {
	if !d.seenLine {
		d.seenLine = true
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	line = bytes.TrimSpace(line)
	switch {
	case len(line) == 0 || d.stopped:
	case d.emit != nil:
		d.stopped = !d.emit(line)
	default:
		d.queue.push(bytes.Clone(line))
	}
}

// NewNDJSONDecoderFunc returns a decoder that hands each record to fn as it
// finishes, in place of the queue Next reads, as NewSSEDecoderFunc does for
// server-sent events. The record belongs to the decoder and is valid only during
// the call; fn returning false stops the decoding.
func NewNDJSONDecoderFunc(fn func(record []byte) bool) *NDJSONDecoder {
	return &NDJSONDecoder{emit: fn}
}

// eachNDJSON calls fn with each record of a whole newline-delimited JSON body, as
// ParseNDJSON would list them, until fn returns false. The record is valid only
// during the call: the parsers read it in place rather than copy every line.
func eachNDJSON(body []byte, fn func(record []byte) bool) {
	d := NDJSONDecoder{emit: fn}
	d.Write(body)
	d.End()
}

// ParseNDJSON splits a whole newline-delimited JSON body into its records, as
// NDJSONDecoder does. complete is false when the last record had no newline after
// it (it is still included).
func ParseNDJSON(body []byte) (records [][]byte, complete bool) {
	var d NDJSONDecoder
	d.Write(body)
	complete = d.End()
	for {
		rec, ok := d.Next()
		if !ok {
			return records, complete
		}
		records = append(records, rec)
	}
}
