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

// source feeds a provider stream through a decoder into a handler. The decoder
// hands each finished event to the handler in place, from inside Write and End,
// so an event is never copied out of the decoder's buffer.
type source struct {
	out     *emitter
	h       handler
	sse     *dataset.SSEDecoder // one of sse and ndjson is set
	ndjson  *dataset.NDJSONDecoder
	pending int   // bytes fed since the last finished event
	err     error // the handler's error, which stopped the decoder
	done    bool
	closing bool // in Close: an event that does not parse is a cut stream's
}

func newSSESource(out *emitter, h handler) *source {
	s := &source{out: out, h: h}
	s.sse = dataset.NewSSEDecoderFunc(func(_, data []byte) bool { return s.handle(data) })
	return s
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
	if s.sse != nil {
		s.sse.Write(p)
	} else {
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
	if s.sse != nil {
		s.sse.End()
	} else {
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
