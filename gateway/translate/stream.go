package translate

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// handler turns a provider's events into the client's. handle gets the data of
// one event at a time (valid only during the call; the event name is not needed,
// every dialect repeats it in the data); an error ends the stream with the
// client's error event. end is called when the provider's stream is over: it
// writes the clean end, or returns ErrTruncated when the provider's end marker
// never came.
type handler interface {
	handle(data []byte) error
	end() error
}

// source feeds a provider stream through a decoder into a handler. Each finished
// event goes to the handler in place, from inside Write and Close, so an event is
// never copied out of the bytes it came in (or the decoder's buffer).
//
// A server-sent stream goes through split, a splitter for the shape every
// provider sends (lines ending in "\n", one data line per event); the first
// event it cannot read exactly ("\r" line endings, a byte order mark, data
// split over several lines) hands the stream, from that event on, to
// dataset.SSEDecoder, which reads every stream the spec allows.
type source struct {
	out     *emitter
	h       handler
	sse     *dataset.SSEDecoder // set for an NDJSON stream, or once split gave up
	ndjson  *dataset.NDJSONDecoder
	split   bool   // a server-sent stream still read by split
	carry   []byte // split: the start of an event the last write cut
	started bool   // split: bytes went by, so the stream's start (and its BOM) is past
	pending int    // bytes fed since the last finished event
	err     error  // the handler's error, which stopped the decoder
	done    bool
	closing bool // in Close: an event that does not parse is a cut stream's
}

func newSSESource(out *emitter, h handler) *source {
	return &source{out: out, h: h, split: true}
}

func newNDJSONSource(out *emitter, h handler) *source {
	s := &source{out: out, h: h}
	s.ndjson = dataset.NewNDJSONDecoderFunc(s.handle)
	return s
}

// handle takes one finished event from the decoder; false stops the decoder.
func (s *source) handle(data []byte) bool {
	s.pending = 0
	if err := s.h.handle(data); err != nil {
		if s.closing {
			err = fmt.Errorf("%w: %v", ErrTruncated, err)
		}
		s.err = err
		return false
	}
	return true
}

func (s *source) Write(p []byte) (int, error) {
	if s.done {
		return 0, errClosed
	}
	s.pending += len(p)
	switch {
	case s.split:
		s.splitEvents(p)
	case s.sse != nil:
		s.sse.Write(p)
	default:
		s.ndjson.Write(p)
	}
	if s.err != nil {
		return 0, s.fail(s.err)
	}
	if s.pending > maxEventBytes {
		return 0, s.fail(fmt.Errorf("provider event longer than %d bytes", maxEventBytes))
	}
	return len(p), nil
}

// splitEvents hands the whole events of the stream so far to the handler and
// keeps the start of the next one in carry. Only an event a write cut is copied
// (into carry); the others go to the handler from p itself.
func (s *source) splitEvents(p []byte) {
	// carry's own bytes were checked as they came.
	if bytes.IndexByte(p, '\r') >= 0 || (!s.started && len(p) > 0 && p[0] == utf8BOM[0]) {
		s.toDecoder(append(s.carry, p...))
		return
	}
	if len(p) > 0 {
		s.started = true
	}
	if len(s.carry) > 0 {
		// The cut event ends at the stream's next blank line: across the
		// writes, or in p.
		i := 1
		if s.carry[len(s.carry)-1] != '\n' || len(p) == 0 || p[0] != '\n' {
			if i = bytes.Index(p, blankLine); i < 0 {
				s.carry = append(s.carry, p...)
				return
			}
			i += 2
		}
		s.carry = append(s.carry, p[:i]...)
		if rest, ok := s.events(s.carry); !ok {
			s.toDecoder(append(rest, p[i:]...))
			return
		}
		s.carry = s.carry[:0]
		p = p[i:]
	}
	rest, ok := s.events(p)
	if !ok {
		s.toDecoder(rest)
		return
	}
	s.carry = append(s.carry[:0], rest...)
}

// events hands the whole events at the start of buf (which starts at an event
// boundary) to the handler, until it stops, and returns what follows them; false
// when the event rest starts with is one eventData cannot read.
func (s *source) events(buf []byte) (rest []byte, ok bool) {
	for s.err == nil {
		// Leading newlines are blank lines that end no event.
		k := 0
		for k < len(buf) && buf[k] == '\n' {
			k++
		}
		buf = buf[k:]
		end := bytes.Index(buf, blankLine)
		if end < 0 {
			break
		}
		data, ok := eventData(buf[:end])
		if !ok {
			return buf, false
		}
		buf = buf[end+2:]
		if data != nil {
			s.handle(data)
		}
	}
	return buf, true
}

var (
	blankLine = []byte("\n\n")
	utf8BOM   = []byte("\xef\xbb\xbf")
)

// eventData returns the data of an event's lines (each ended by "\n" but the
// last, none blank, none with "\r"): nil for an event without data, which the
// spec does not dispatch, and false when the data is split over several lines.
func eventData(ev []byte) (data []byte, ok bool) {
	for len(ev) > 0 {
		line := ev
		if i := bytes.IndexByte(ev, '\n'); i >= 0 {
			line, ev = ev[:i], ev[i+1:]
		} else {
			ev = nil
		}
		// "data" alone is a data line too, with an empty value; a comment
		// (":...") and any other field ("event", "id", "retry") carry no data.
		if !bytes.HasPrefix(line, dataField) || (len(line) > 4 && line[4] != ':') {
			continue
		}
		if data != nil {
			return nil, false
		}
		data = line[min(len(line), 5):] // empty, not nil, for "data" alone
		if len(data) > 0 && data[0] == ' ' {
			data = data[1:]
		}
	}
	return data, true
}

var dataField = []byte("data")

// toDecoder hands the stream from buf (which starts at an event boundary) on to
// dataset.SSEDecoder for good.
func (s *source) toDecoder(buf []byte) {
	s.split = false
	s.sse = dataset.NewSSEDecoderFunc(func(_, data []byte) bool { return s.handle(data) })
	if s.started {
		// A blank line: the decoder strips a byte order mark from its first
		// line only, and its first line here is not the stream's.
		s.sse.Write(blankLine[:1])
	}
	s.sse.Write(buf)
	s.carry = nil
}

// fail ends the client's stream with an error event for err and returns err.
func (s *source) fail(err error) error {
	s.done = true
	if werr := s.out.errorEvent(err.Error()); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

func (s *source) Close() error {
	if s.done {
		return errClosed
	}
	// An event the decoder hands over only at End is one the stream stopped
	// inside. It may be whole ("data: [DONE]" without its blank line), but when
	// it does not parse, the stream was cut; closing says so.
	s.closing = true
	if s.split && len(s.carry) > 0 {
		// What the decoder makes of an unfinished last event (a last line
		// without its ending, an event without its blank line) is the spec's.
		s.toDecoder(s.carry)
	}
	switch {
	case s.split: // nothing held back
	case s.sse != nil:
		s.sse.End()
	default:
		s.ndjson.End()
	}
	if s.err != nil {
		return s.fail(s.err)
	}
	if err := s.h.end(); err != nil {
		if errors.Is(err, ErrTruncated) {
			return s.fail(err)
		}
		s.done = true
		return err
	}
	s.done = true
	return nil
}

func (s *source) Abort(reason string) error {
	if s.done {
		return errClosed
	}
	s.done = true
	return s.out.errorEvent(reason)
}

// passThrough relays a stream in the client's own dialect. It writes whole events
// only, holding back a partial one, so that an Abort's error event never lands
// inside a half-written event; Close checks the provider's end marker went by.
type passThrough struct {
	out    *emitter
	kind   string
	held   []byte
	ended  bool // the end marker was seen
	done   bool
	marker []byte
}

func newPassThrough(out *emitter, kind string) *passThrough {
	p := &passThrough{out: out, kind: kind}
	switch kind {
	case OpenAI:
		p.marker = []byte("data: [DONE]")
	case Anthropic:
		p.marker = []byte(`"message_stop"`)
	case Gemini:
		p.marker = []byte(`"finishReason"`)
	case Ollama:
		p.marker = []byte(`"done":true`)
	}
	return p
}

func (p *passThrough) Write(b []byte) (int, error) {
	if p.done {
		return 0, errClosed
	}
	buf := b
	// Only the new bytes (and the three before, for a "\r\n\r\n" split across
	// writes) can hold a boundary the held bytes did not.
	from := max(len(p.held)-3, 0)
	if len(p.held) > 0 {
		p.held = append(p.held, b...)
		buf = p.held
	}
	cut := 0
	if c := p.boundary(buf[from:]); c > 0 {
		cut = from + c
	}
	if cut > 0 {
		if !p.ended && bytes.Contains(buf[:cut], p.marker) {
			p.ended = true
		}
		if err := p.out.raw(buf[:cut]); err != nil {
			return 0, err
		}
	}
	rest := buf[cut:]
	if len(rest) > maxEventBytes {
		p.done = true
		return 0, p.out.errorEvent(fmt.Sprintf("provider event longer than %d bytes", maxEventBytes))
	}
	p.held = append(p.held[:0], rest...)
	return len(b), nil
}

// boundary returns where the last whole event of buf ends: after a blank line for
// server-sent events, after a newline for Ollama's NDJSON.
func (p *passThrough) boundary(buf []byte) int {
	if p.kind == Ollama {
		return bytes.LastIndexByte(buf, '\n') + 1
	}
	cut := 0
	if i := bytes.LastIndex(buf, []byte("\n\n")); i >= 0 {
		cut = i + 2
	}
	if i := bytes.LastIndex(buf, []byte("\r\n\r\n")); i >= 0 && i+4 > cut {
		cut = i + 4
	}
	return cut
}

func (p *passThrough) Close() error {
	if p.done {
		return errClosed
	}
	p.done = true
	if len(p.held) > 0 {
		if !p.ended && bytes.Contains(p.held, p.marker) {
			p.ended = true
		}
		if !p.ended {
			return errors.Join(ErrTruncated, p.out.errorEvent(ErrTruncated.Error()))
		}
		// A last event without its blank line would be dropped by the client's
		// parser (the spec discards an unfinished event at the end).
		tail := "\n\n"
		if p.kind == Ollama {
			tail = "\n"
		}
		if err := p.out.raw(append(p.held, tail...)); err != nil {
			return err
		}
	}
	if !p.ended {
		return errors.Join(ErrTruncated, p.out.errorEvent(ErrTruncated.Error()))
	}
	return nil
}

func (p *passThrough) Abort(reason string) error {
	if p.done {
		return errClosed
	}
	p.done = true
	return p.out.errorEvent(reason)
}
