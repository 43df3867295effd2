package translate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// openaiRequestSeeds are request bodies for the reader: every OpenAI request of
// the goldens, the 50-turn history, and shapes at its edges.
func openaiRequestSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/openai-*/*.request.json")
	if len(files) == 0 {
		t.Fatal("no OpenAI request in testdata")
	}
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return append(seeds, history50(),
		[]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}],"stream_options":{"include_usage":true},"temperature":0.25,"top_p":1e-7,"max_completion_tokens":77,"parallel_tool_calls":false,"stop":["x","y"],"tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_object"},"user":"u","n":2,"seed":null}`),
		[]byte(`{"messages":[{"role":"assistant","content":null,"thinking_blocks":[{"index":0,"type":"thinking","thinking":"t","signature":"s"}],"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"},"extra_content":{"google":{"thought_signature":"g"}}}]},{"role":"tool","tool_call_id":"c","content":"r\u00e9\ud83d\ude00 \ud800"}],"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":null,"strict":true}}]}`),
		[]byte(`{"Model":"m","messages":[]}`),                               // a key in another case
		[]byte(`{"model":"a","model":"b"}`),                                 // a repeated key
		[]byte(`{"messages":[null,{"role":"user","content":7}]}`),           // a null element, a number content
		[]byte(`{"max_tokens":1.5,"messages":[]}`),                          // a fraction for an int
		[]byte("{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}"), // not UTF-8
		[]byte(`{"messages":[{"role":"user","content":[]}],"tools":[]} x`),
		[]byte(`null`),
	)
}

// TestReadOpenAIRequestFastPath: the requests clients send are read by the
// hand-written reader, not handed to encoding/json; the edge cases are.
func TestReadOpenAIRequestFastPath(t *testing.T) {
	seeds := openaiRequestSeeds(t)
	fast := 0
	for _, b := range seeds {
		var x dataset.JSONLexer
		x.Reset(b)
		var r oaRequest
		if fastOpenAIRequest(&x, &r) && x.End() {
			fast++
		}
	}
	// The last seven seeds are the ones it refuses.
	if want := len(seeds) - 7; fast != want {
		t.Fatalf("fast reader took %d of %d requests, want %d", fast, len(seeds), want)
	}
}

// FuzzOpenAIRequestReader holds the hand-written reader and writer to
// encoding/json: what the reader takes, encoding/json takes and decodes to the
// same request, and each content it read as parts is what openaiContent reads
// from the raw content; the Anthropic request built from it is written byte for
// byte as json.Marshal writes it.
func FuzzOpenAIRequestReader(f *testing.F) {
	for _, b := range openaiRequestSeeds(f) {
		if len(b) < 4<<10 { // the long history makes each minimization step slow
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var slow oaRequest
		slowErr := json.Unmarshal(body, &slow)
		var x dataset.JSONLexer
		x.Reset(body)
		var fast oaRequest
		if fastOpenAIRequest(&x, &fast) && x.End() {
			if slowErr != nil {
				t.Fatalf("fast reader took what encoding/json refuses (%v): %q", slowErr, body)
			}
			for i := range fast.Messages {
				m := &fast.Messages[i]
				want, werr := openaiContent(m.Content)
				got, gerr := m.contentParts()
				if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
					t.Fatalf("message %d content: fast %#v (%v), encoding/json %#v (%v)", i, got, gerr, want, werr)
				}
				m.parts, m.partsRead = nil, false
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast %#v\nencoding/json %#v\nfor %q", fast, slow, body)
			}
		}
		if slowErr != nil {
			return
		}
		out, err := anthropicRequestOf(&slow, "m", true)
		if err != nil {
			return
		}
		checkWriter(t, out)
	})
}

// checkWriter compares appendAnthropicRequest and appendAnthropicBlocks with
// json.Marshal on r.
func checkWriter(t *testing.T, r *anOutRequest) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if got := appendAnthropicRequest(nil, r); !bytes.Equal(got, want) {
		t.Fatalf("writer:\n%s\njson.Marshal:\n%s", got, want)
	}
	for _, m := range r.Messages {
		want, _ := json.Marshal(m.Content)
		if got := appendAnthropicBlocks(nil, m.Content); !bytes.Equal(got, want) {
			t.Fatalf("blocks writer:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
}

// TestAnthropicWriter compares the writer with json.Marshal on requests that use
// every field, with the characters json.Marshal escapes, and floats of each form.
func TestAnthropicWriter(t *testing.T) {
	sig, topK := "", 5
	for _, f := range []float64{0, 1, 0.2, -3.5e-7, 1e21, 123456789, 1e-6, 5e-324} {
		r := &anOutRequest{
			anRequest: anRequest{Model: "m<&>\u2028", MaxTokens: 9, System: json.RawMessage(` [ {"type" : "text", "text":"a <b> \u0026 \" \u2028\u2029 x"} ] `),
				Temperature: &f, TopP: &f, TopK: &topK, StopSequences: []string{"\n", "\xff"}, Stream: true,
				Tools:      []anTool{{Type: "custom", Name: "f", Description: "d", InputSchema: json.RawMessage("{\n \"type\": \"obj\u2028ect\u2029 <&>\"\t}")}, {Name: "g"}},
				ToolChoice: &anToolChoice{Type: "tool", Name: "f", DisableParallelToolUse: true},
				Thinking:   &anThinking{Type: "enabled", BudgetTokens: 1024}, Metadata: json.RawMessage(`{"user_id": "u"}`)},
			Messages: []anOutMessage{{Role: "user", Content: []anBlock{
				{Type: "text", Text: "hi"},
				{Type: "image", Source: &anSource{Type: "base64", MediaType: "image/png", Data: "AA=="}},
				{Type: "tool_use", ID: "c", Name: "f", Input: json.RawMessage(` {"a": [1, 2.5e3, true, null]} `)},
				{Type: "tool_result", ToolUseID: "c", Content: json.RawMessage(`"r"`), IsError: true},
				{Type: "thinking", Thinking: "t", Signature: &sig},
				{Type: "redacted_thinking", Data: "x"},
			}}, {Role: "assistant"}},
		}
		checkWriter(t, r)
	}
	checkWriter(t, &anOutRequest{})
}
