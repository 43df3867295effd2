package translate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// fuzzPairs are the stream translators the fuzzer drives, pass-through included.
var fuzzPairs = [][2]string{
	{OpenAI, Anthropic}, {OpenAI, Gemini}, {OpenAI, Ollama}, {Anthropic, OpenAI}, {OpenAI, OpenAI}, {Anthropic, Anthropic},
}

// FuzzStream feeds arbitrary provider bytes, cut at an arbitrary point, to each
// stream translator: it must not panic, must end with Close or an error, and
// must refuse writes after that; a stream translated for an OpenAI client has
// nothing after its "data: [DONE]".
func FuzzStream(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.stream")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		dir := filepath.Base(filepath.Dir(file))
		for i, p := range fuzzPairs {
			if p[0]+"-"+p[1] == dir {
				f.Add(b, uint8(i), uint16(len(b)/3))
			}
		}
	}
	f.Add([]byte("data: [DONE]"), uint8(3), uint16(4))
	f.Add([]byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":-1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"x\"}}\n\n"), uint8(0), uint16(9))
	f.Add([]byte("{\"message\":{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":null}}]},\"done\":true}\n"), uint8(2), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, pair uint8, cut uint16) {
		p := fuzzPairs[int(pair)%len(fuzzPairs)]
		var out bytes.Buffer
		st := New().Stream(p[0], p[1], "m", &out)
		k := min(int(cut), len(data))
		_, err := st.Write(data[:k])
		if err == nil {
			_, err = st.Write(data[k:])
		}
		if err == nil {
			err = st.Close()
		}
		if err != nil && !errors.Is(err, ErrTruncated) && !strings.Contains(err.Error(), "provider") &&
			!strings.Contains(err.Error(), "read ") && !errors.Is(err, errClosed) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if _, werr := st.Write([]byte("x")); werr == nil {
			t.Fatal("Write after the end succeeded")
		}
		if i := bytes.Index(out.Bytes(), []byte("data: [DONE]\n\n")); p[0] == OpenAI && p[1] != OpenAI && i >= 0 && i+14 != out.Len() {
			t.Fatalf("the client's stream goes on after [DONE]: %q", out.Bytes()[i:])
		}
	})
}

// TestStreamBoundsEvent: a provider that never ends its event is refused once it
// passes maxEventBytes instead of growing the translator's memory, for each kind
// of stream translator.
func TestStreamBoundsEvent(t *testing.T) {
	chunk := []byte("data: {\"x\":\"" + strings.Repeat("a", 64<<10))
	for _, p := range fuzzPairs {
		t.Run(p[0]+"_from_"+p[1], func(t *testing.T) {
			st := New().Stream(p[0], p[1], "m", io.Discard)
			var err error
			written := 0
			for written <= maxEventBytes+len(chunk) && err == nil {
				_, err = st.Write(chunk)
				written += len(chunk)
			}
			if err == nil {
				t.Fatalf("%d bytes of one event accepted", written)
			}
		})
	}
}

// recorder is a handler that keeps the data of each event it is given.
type recorder struct{ events []string }

func (r *recorder) handle(data []byte) error {
	r.events = append(r.events, string(data))
	return nil
}
func (r *recorder) end() error { return nil }

// FuzzSplitEvents holds source's splitter to dataset.SSEDecoder: for any bytes,
// written in three parts cut anywhere, the handler gets the data of the same
// events in the same order, whether split reads them or gives up and hands the
// stream to the decoder.
func FuzzSplitEvents(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.stream")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(len(b)/3), uint16(len(b)/2))
	}
	for _, s := range []string{
		"data: a\n\ndata: b\n\n", "data:a\ndata:b\n\nevent: x\ndata\n\n", "\n\n\ndata: x\nid: 1\n\n: c\ndata: y",
		"\xef\xbb\xbfdata: x\n\n", "\n\xef\xbb\xbfdata: x\n\ndata: y\n\n", "data: x\r\n\r\ndata: y\r\r", "data: a\n\ndata: b\ndata: c\n\ndata: d\n\n",
		"datax: 1\ndata x\n\ndata: \n\n", "event: e\ndata: {\"a\":1}\n", "data: a\n\n\xef\xbb\xbfdata: b\n\n",
	} {
		f.Add([]byte(s), uint16(1), uint16(9))
	}
	f.Fuzz(func(t *testing.T, stream []byte, cut1, cut2 uint16) {
		var want []string
		d := dataset.NewSSEDecoderFunc(func(_, data []byte) bool { want = append(want, string(data)); return true })
		d.Write(stream)
		d.End()

		r := &recorder{}
		src := newSSESource(newEmitter(io.Discard, OpenAI), r)
		i, j := min(int(cut1), len(stream)), min(int(cut2), len(stream))
		if i > j {
			i, j = j, i
		}
		for _, part := range [][]byte{stream[:i], stream[i:j], stream[j:]} {
			if _, err := src.Write(part); err != nil {
				t.Fatal(err)
			}
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.events, want) {
			t.Fatalf("split gave %q, the decoder %q", r.events, want)
		}
	})
}
