package dataset

import (
	"bytes"
)

// SSEEvent is one event of a text/event-stream body.
type SSEEvent struct {
	// Event is the event type from the "event:" field, "" when the event had none
	// (the spec's default type "message").
	Event string `json:"event,omitempty"`
	// Data is the event's payload: the values of its "data:" lines joined with "\n".
	Data string `json:"data"`
	// ID is the last event ID seen so far in the stream. As the spec says, it carries
	// over to later events until another "id:" field changes it.
	ID string `json:"id,omitempty"`
}

// utf8BOM may open a stream; the spec says to drop it.
var utf8BOM = []byte("\xef\xbb\xbf")

// SSEDecoder splits a text/event-stream into events as its bytes arrive, following
// the WHATWG server-sent events parsing rules: lines end in "\n", "\r\n" or "\r"
// (a CRLF may be split across writes), a blank line ends an event, several "data:"
// lines are joined with "\n", lines starting with ":" are comments, and an event
// without any "data:" field is not delivered. Unknown fields ("retry:" included)
// are ignored.
//
// Feed it with Write, take finished events with Next, and call End at the end of
// the body. The zero value is ready to use. An SSEDecoder is not safe for
// concurrent use.
type SSEDecoder struct {
	line     []byte // the current line while it is split across writes
	skipLF   bool   // the last line ended in "\r"; a "\n" right after belongs to it
	seenLine bool   // a first line was handled (it may start with a BOM)

	event   []byte
	data    []byte
	hasData bool
	id      string
	pending bool // a field line was read since the last blank line

	queue fifo[SSEEvent]
	ended bool
	// emit, when set, takes each finished event in place of the queue; its
	// arguments are valid only during the call, and false stops the decoding.
	emit    func(event, data []byte) bool
	stopped bool
}

// Write feeds the next bytes of the stream. It never fails and always consumes
// all of p; after End it ignores p.
func (d *SSEDecoder) Write(p []byte) (int, error) {
	n := len(p)
	if d.ended {
		return n, nil
	}
	// nl is where the next "\n" is in p (-1: none, -2: not looked for), kept so a
	// body whose lines end in "\r" alone is not searched to its end on every line.
	nl := -2
	advance := func(k int) {
		p = p[k:]
		if nl >= k {
			nl -= k
		} else if nl >= 0 {
			nl = -2
		}
	}
	for len(p) > 0 && !d.stopped {
		if d.skipLF {
			d.skipLF = false
			if p[0] == '\n' {
				advance(1)
				continue
			}
		}
		if nl == -2 {
			nl = bytes.IndexByte(p, '\n')
		}
		i, head := nl, p
		if nl >= 0 {
			head = p[:nl]
		}
		if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
			i = cr
		}
		if i < 0 {
			d.line = append(d.line, p...)
			break
		}
		d.skipLF = p[i] == '\r'
		if len(d.line) == 0 {
			d.handleLine(p[:i])
		} else {
			d.line = append(d.line, p[:i]...)
			d.handleLine(d.line)
			d.line = d.line[:0]
		}
		advance(i + 1)
	}
	return n, nil
}

// Next returns the oldest finished event not yet taken, and false when there is none.
func (d *SSEDecoder) Next() (SSEEvent, bool) {
	return d.queue.pop()
}

// End marks the end of the stream. A last line without a line ending is read as a
// line, and an event that was not closed by a blank line is delivered anyway, so
// Next returns it. End reports whether the stream ended cleanly, at an event
// boundary; it returns false when it had to finish a line or an event.
func (d *SSEDecoder) End() (complete bool) {
	if d.ended {
		return !d.pending
	}
	d.ended = true
	if len(d.line) > 0 {
		d.handleLine(d.line)
		d.line = nil
		d.pending = true
	}
	if !d.pending {
		return true
	}
	d.dispatch()
	d.pending = true
	return false
}

func (d *SSEDecoder) handleLine(line []byte) {
	if !d.seenLine {
		d.seenLine = true
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	if len(line) == 0 {
		d.dispatch()
		return
	}
	if line[0] == ':' {
		return
	}
	d.pending = true
	field, value, found := bytes.Cut(line, []byte(":"))
	if found {
		value = bytes.TrimPrefix(value, []byte(" "))
	}
	switch string(field) {
	case "event":
		d.event = append(d.event[:0], value...)
	case "data":
		if d.hasData {
			d.data = append(d.data, '\n')
		}
		d.data = append(d.data, value...)
		d.hasData = true
	case "id":
		// The spec ignores an id holding NUL, so a broken id cannot stick.
		if bytes.IndexByte(value, 0) < 0 {
			d.id = string(value)
		}
	}
}

// dispatch ends the current event at a blank line (or at End).
func (d *SSEDecoder) dispatch() {
	switch {
	case !d.hasData || d.stopped:
	case d.emit != nil:
		d.stopped = !d.emit(d.event, d.data)
	default:
		d.queue.push(SSEEvent{Event: string(d.event), Data: string(d.data), ID: d.id})
	}
	d.event, d.data, d.hasData, d.pending = d.event[:0], d.data[:0], false, false
}

// NewSSEDecoderFunc returns a decoder that hands each finished event to fn, as it
// finishes, in place of the queue Next reads: Write and End call fn, and Next
// then returns nothing. event is the "event:" field ("" when the event had none)
// and data the joined "data:" lines, as SSEEvent has them. Both slices belong to
// the decoder and are valid only during the call, which is what lets a relay
// read every event of a long stream without copying it. fn returning false stops
// the decoding: later events are dropped and Write ignores its input.
func NewSSEDecoderFunc(fn func(event, data []byte) bool) *SSEDecoder {
	return &SSEDecoder{emit: fn}
}

// ParseSSE splits a whole text/event-stream body into its events, as SSEDecoder
// does. complete is false when the body did not end at an event boundary; the
// unfinished last event is then still included.
func ParseSSE(body []byte) (events []SSEEvent, complete bool) {
	var d SSEDecoder
	d.Write(body)
	complete = d.End()
	for {
		ev, ok := d.Next()
		if !ok {
			return events, complete
		}
		events = append(events, ev)
	}
}

// eachSSE calls fn with the type and data of each event of a whole
// text/event-stream body, as ParseSSE would list them, until fn returns false. The
// slices are valid only during the call. It reports how many events fn was given.
// The parsers use it rather than ParseSSE so that a 2 MB stream of small deltas is
// not first copied into 20,000 strings (issue 11).
func eachSSE(body []byte, fn func(event, data []byte) bool) (n int) {
	d := SSEDecoder{emit: func(event, data []byte) bool {
		n++
		return fn(event, data)
	}}
	d.Write(body)
	d.End()
	return n
}
