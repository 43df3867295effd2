package translate

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// TestHTTPStream runs a translation between real HTTP ends: a fake Anthropic
// provider sends its stream in small flushed pieces, a minimal gateway handler
// translates the request, relays the reply through Stream into its
// ResponseWriter, and the OpenAI client reads the same events the golden file
// holds, each flushed to it as a whole event.
func TestHTTPStream(t *testing.T) {
	stream := mustRead(t, "testdata/openai-anthropic/parallel_tools.stream")
	var gotPath string
	var gotBody []byte
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		for rest := stream; len(rest) > 0; {
			k := min(37, len(rest))
			w.Write(rest[:k])
			w.(http.Flusher).Flush()
			rest = rest[k:]
		}
	}))
	defer provider.Close()

	tr := testTranslator()
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		out, path, err := tr.Request(OpenAI, Anthropic, "claude-sonnet-4-5", in, true)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := http.Post(provider.URL+"/v1"+path, "application/json", bytes.NewReader(out))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "text/event-stream")
		st := tr.Stream(OpenAI, Anthropic, "claude-sonnet-4-5", w)
		if _, err := io.Copy(st, resp.Body); err != nil {
			_ = st.Abort(err.Error())
			return
		}
		_ = st.Close()
	}))
	defer gateway.Close()

	req := `{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Weather in Paris and Tokyo?"}]}`
	resp, err := http.Post(gateway.URL+"/v1/chat/completions", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/v1/messages" || !bytes.Contains(gotBody, []byte(`"max_tokens":8192`)) {
		t.Errorf("provider got %s %s", gotPath, gotBody)
	}
	want := mustRead(t, "testdata/openai-anthropic/parallel_tools.stream.golden")
	if !bytes.Equal(got, want) {
		t.Errorf("client got\n%s\nwant\n%s", got, want)
	}
	if _, complete := dataset.ParseSSE(got); !complete {
		t.Error("client stream ends inside an event")
	}
}
