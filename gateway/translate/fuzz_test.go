package translate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
