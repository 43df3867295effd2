package translate

import (
	"encoding/json"
	"fmt"
	"io"
)

// emitter writes the client's stream one event at a time and flushes after each.
// Its first write error sticks: later writes return it without writing. Once the
// client's end marker went out (end), the client's stream is complete: later
// events and an error event are dropped, a cut after the end changes nothing the
// client reads.
type emitter struct {
	w      io.Writer
	client string // the client's dialect family
	flush  func() error
	buf    []byte
	err    error
	ended  bool
}

func newEmitter(w io.Writer, client string) *emitter {
	e := new(emitter)
	e.init(w, client)
	return e
}

func (e *emitter) init(w io.Writer, client string) {
	*e = emitter{w: w, client: client}
	switch f := w.(type) {
	case interface{ Flush() error }:
		e.flush = f.Flush
	case interface{ Flush() }:
		e.flush = func() error { f.Flush(); return nil }
	}
}

// raw writes b as is and flushes.
func (e *emitter) raw(b []byte) error {
	if e.err != nil || e.ended {
		return e.err
	}
	if _, err := e.w.Write(b); err != nil {
		e.err = fmt.Errorf("write client stream: %w", err)
		return e.err
	}
	if e.flush != nil {
		if err := e.flush(); err != nil {
			e.err = fmt.Errorf("flush client stream: %w", err)
			return e.err
		}
	}
	return nil
}

// end writes the client's end marker b, once; the stream is complete after it.
func (e *emitter) end(b []byte) error {
	err := e.raw(b)
	e.ended = true
	return err
}

// event writes one server-sent event; name is left out when empty.
func (e *emitter) event(name string, data []byte) error {
	b := e.buf[:0]
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	e.buf = b
	return e.raw(b)
}

// jsonEvent writes v as one server-sent event.
func (e *emitter) jsonEvent(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", name, err)
	}
	return e.event(name, data)
}

// errorEvent writes the error event of the client's dialect: the shape each
// dialect's own API uses for an error after the stream started, which the
// official SDKs raise as an exception.
func (e *emitter) errorEvent(reason string) error {
	if e.ended {
		return e.err
	}
	switch e.client {
	case Anthropic:
		return e.jsonEvent("error", anErrorEvent{Type: "error", Error: anErrorBody{Type: "api_error", Message: reason}})
	case OpenAI:
		return e.jsonEvent("", map[string]any{"error": oaError{Message: reason, Type: "server_error", Code: "stream_error"}})
	}
	// Gemini and Ollama clients: one JSON record, as their APIs answer errors.
	b, _ := json.Marshal(map[string]any{"error": oaError{Message: reason, Type: "server_error"}})
	return e.raw(append(b, '\n'))
}

type anErrorEvent struct {
	Type  string      `json:"type"`
	Error anErrorBody `json:"error"`
}
