package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseSSE checks that ParseSSE does not panic, that feeding the body in two
// pieces, split anywhere, gives the same events as feeding it whole, and that
// eachSSE hands the parsers those events.
func FuzzParseSSE(f *testing.F) {
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(f, dir, ".resp") {
		f.Add(readFile(f, filepath.Join(dir, name+".resp")), uint(0))
	}
	f.Add([]byte("data: a\r\n\r\ndata: b\r\rid: 1\nevent: e\ndata\n\n:c\n"), uint(9))
	f.Fuzz(func(t *testing.T, body []byte, split uint) {
		want, wantComplete := ParseSSE(body)
		i := int(split % uint(len(body)+1))
		got, complete := decodeChunks(body[:i], body[i:])
		if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete {
			t.Fatalf("split at %d: complete %v, want %v; events (-want +got):\n%s", i, complete, wantComplete, diff)
		}
		if diff := cmp.Diff(sseEventsWithoutID(want), eachSSEEvents(body)); diff != "" {
			t.Fatalf("eachSSE events (-ParseSSE +eachSSE):\n%s", diff)
		}
		j := i + int(split/7%uint(len(body)-i+1))
		got, complete = funcSSEEvents(body[:i], body[i:j], body[j:])
		if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete { // want has no IDs since eachSSE's check
			t.Fatalf("NewSSEDecoderFunc, split at %d and %d: complete %v, want %v; events (-ParseSSE +func):\n%s",
				i, j, complete, wantComplete, diff)
		}
	})
}

// funcSSEEvents feeds chunks to a NewSSEDecoderFunc decoder and lists the events
// its callback was given, as SSEEvents without IDs (the callback does not get
// them), checking Next hands out nothing in that mode.
func funcSSEEvents(chunks ...[]byte) (events []SSEEvent, complete bool) {
	d := NewSSEDecoderFunc(func(event, data []byte) bool {
		events = append(events, SSEEvent{Event: string(event), Data: string(data)})
		return true
	})
	for _, c := range chunks {
		d.Write(c)
		if _, ok := d.Next(); ok {
			panic("Next returned an event in callback mode")
		}
	}
	return events, d.End()
}

// eachSSEEvents lists what eachSSE gives, as SSEEvents without IDs.
func eachSSEEvents(body []byte) (events []SSEEvent) {
	eachSSE(body, func(event, data []byte) bool {
		events = append(events, SSEEvent{Event: string(event), Data: string(data)})
		return true
	})
	return events
}

func sseEventsWithoutID(events []SSEEvent) []SSEEvent {
	for i := range events {
		events[i].ID = ""
	}
	return events
}

// FuzzParseOpenAIChat checks that the parser neither panics nor hangs, that it
// fails only with its sentinels, and that a Round it returns can be encoded.
func FuzzParseOpenAIChat(f *testing.F) {
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(f, dir, ".req.json") {
		base := filepath.Join(dir, name)
		f.Add(readFile(f, base+".req.json"), readFile(f, base+".resp"))
	}
	f.Fuzz(func(t *testing.T, req, resp []byte) {
		r, err := ParseOpenAIChat(req, resp)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUpstream) {
				t.Fatalf("ParseOpenAIChat error %v wraps no sentinel", err)
			}
			return
		}
		if r.Answers == nil || r.Messages == nil {
			t.Fatalf("ParseOpenAIChat = %+v, want non-nil Messages and Answers", r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("encode round: %v", err)
		}
		PathKeys(append(r.Messages, r.Answers...))
	})
}

// FuzzShareGPT checks that every record ToShareGPT returns passes ValidateShareGPT
// and that the writer's output is a JSON array of those records.
func FuzzShareGPT(f *testing.F) {
	dir := filepath.Join("testdata", "sharegpt")
	for _, name := range goldenCases(f, dir, ".in.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".in.json")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in shareGPTInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		opt := ShareGPTOptions{SystemInline: in.Options.SystemInline}
		rec, err := ToShareGPT(in.Conversation, opt)
		if err != nil {
			if !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("ToShareGPT error %v does not wrap ErrInvalidRecord", err)
			}
		} else if err := ValidateShareGPT(rec); err != nil {
			t.Fatalf("ValidateShareGPT(ToShareGPT(...)) = %v", err)
		}
		var out, invalid bytes.Buffer
		w := NewShareGPTWriter(&out, &invalid, FormatShareGPT, opt)
		if err := w.Write(in.Conversation); err != nil {
			t.Fatal(err)
		}
		report, err := w.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkShareGPTFile(t, FormatShareGPT, out.Bytes(), report.Written)
		if report.Invalid > 0 && !json.Valid(invalid.Bytes()) {
			t.Fatalf("invalid line %q is not JSON", invalid.String())
		}
	})
}

// FuzzOpenAIRealtime checks what FuzzParseOpenAIChat checks, for recorded Realtime
// sessions (client events, server events).
func FuzzOpenAIRealtime(f *testing.F) {
	dir := filepath.Join("testdata", "realtime")
	for _, name := range goldenCases(f, dir, ".req") {
		base := filepath.Join(dir, name)
		f.Add(readFile(f, base+".req"), readFile(f, base+".resp"))
	}
	f.Fuzz(func(t *testing.T, client, server []byte) {
		checkParseFuzz(t, OpenAIRealtime, client, server)
	})
}

// FuzzRealtimeRecordable checks RealtimeRecordable against encoding/json: an event
// is dropped exactly when it is valid JSON whose first top-level "type" is an
// audio chunk's.
func FuzzRealtimeRecordable(f *testing.F) {
	for _, name := range []string{"voice_transcription.resp", "ga_session.req", "stream_cut.resp"} {
		lines, _ := ParseNDJSON(readFile(f, filepath.Join("testdata", "realtime", name)))
		for _, l := range lines {
			f.Add(l)
		}
	}
	f.Add([]byte(`{"type":"input_audio_buffer.append","audio":"AAAA"}`))
	f.Add([]byte(`{"item":{"type":"x"},"typ\u0065":"response.audio.delta","delta":"\u00e9\n","n":-0.5e+2,"a":[true,false,null]}`))
	f.Fuzz(func(t *testing.T, event []byte) {
		want := true
		switch decoderEventType(event) {
		case "input_audio_buffer.append", "response.audio.delta", "response.output_audio.delta":
			want = !json.Valid(event)
		}
		if got := RealtimeRecordable(event); got != want {
			t.Fatalf("RealtimeRecordable(%q) = %v, want %v", event, got, want)
		}
	})
}

// decoderEventType finds the first top-level "type" with a json.Decoder, the slow
// and obvious way; "" when there is none or the text is not an object up to it.
func decoderEventType(event []byte) string {
	d := json.NewDecoder(bytes.NewReader(event))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return ""
		}
		if key == "type" {
			var typ string
			if d.Decode(&typ) != nil {
				return ""
			}
			return typ
		}
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}
