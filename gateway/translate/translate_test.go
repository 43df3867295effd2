package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestIdentityAndPaths(t *testing.T) {
	body := []byte(`{"model":"x","messages":[]}`)
	tests := []struct {
		name, client, provider, path string
		stream                       bool
	}{
		{"openai", OpenAI, OpenAI, "/chat/completions", true},
		{"azure_for_openai", OpenAI, Azure, "/chat/completions", false},
		{"anthropic", Anthropic, Anthropic, "/messages", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, path, err := New().Request(tt.client, tt.provider, "m", body, tt.stream)
			if err != nil || path != tt.path || !bytes.Equal(out, body) {
				t.Errorf("Request = %s, %q, %v; want the body unchanged and %q", out, path, err, tt.path)
			}
			resp, err := New().Response(tt.client, tt.provider, "m", body)
			if err != nil || !bytes.Equal(resp, body) {
				t.Errorf("Response = %s, %v; want the body unchanged", resp, err)
			}
		})
	}
	_, path, _ := New().Request(OpenAI, Gemini, "gemini-2.5-flash", []byte(`{"messages":[]}`), false)
	if path != "/models/gemini-2.5-flash:generateContent" {
		t.Errorf("gemini path = %q", path)
	}
}

func TestUnsupportedPair(t *testing.T) {
	tests := []struct{ client, provider string }{
		{Gemini, OpenAI}, {Anthropic, Gemini}, {Anthropic, Ollama}, {Ollama, Anthropic},
	}
	for _, tt := range tests {
		t.Run(tt.client+"_to_"+tt.provider, func(t *testing.T) {
			if _, _, err := New().Request(tt.client, tt.provider, "m", []byte(`{}`), false); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Request error = %v, want ErrUnsupported", err)
			}
			if _, err := New().Response(tt.client, tt.provider, "m", []byte(`{}`)); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Response error = %v, want ErrUnsupported", err)
			}
			var out bytes.Buffer
			st := New().Stream(tt.client, tt.provider, "m", &out)
			if _, err := st.Write([]byte("data: {}\n\n")); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Stream Write error = %v, want ErrUnsupported", err)
			}
			if err := st.Close(); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Stream Close error = %v, want ErrUnsupported", err)
			}
			if !strings.Contains(out.String(), "unsupported translation") {
				t.Errorf("stream = %q, want an error event", out.String())
			}
		})
	}
}

// TestRequestErrors: what cannot be translated is refused with a clear error, not
// dropped silently.
func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name, provider, body, want string
	}{
		{"not_json", Anthropic, `{`, "read openai request"},
		{"audio_part", Anthropic, `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}`, `content part "input_audio"`},
		{"bad_arguments", Anthropic, `{"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}]}`, "arguments are not JSON"},
		{"url_image_ollama", Ollama, `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, "data: image URLs only"},
		{"unknown_tool_result_gemini", Gemini, `{"messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}`, `unknown tool call "nope"`},
		{"function_role", Gemini, `{"messages":[{"role":"function","content":"x"}]}`, `role "function"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := New().Request(OpenAI, tt.provider, "m", []byte(tt.body), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Request error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestPassThroughHoldsPartialEvent: a same-dialect stream is relayed event by
// event; an abort after half an event leaves no half event before the error.
func TestPassThroughHoldsPartialEvent(t *testing.T) {
	var out bytes.Buffer
	st := New().Stream(OpenAI, Azure, "m", &out)
	if _, err := st.Write([]byte("data: {\"a\":1}\n\ndata: {\"b\"")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "data: {\"a\":1}\n\n" {
		t.Fatalf("relayed %q, want the whole first event only", got)
	}
	if err := st.Abort("reset"); err != nil {
		t.Fatal(err)
	}
	want := "data: {\"a\":1}\n\ndata: {\"error\":{\"message\":\"reset\",\"type\":\"server_error\",\"code\":\"stream_error\"}}\n\n"
	if out.String() != want {
		t.Errorf("stream = %q, want %q", out.String(), want)
	}
	if _, err := st.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}

	// A clean end needs the provider's end marker; a last event without its blank
	// line is completed.
	for _, tt := range []struct {
		name, kind, in string
		clean          bool
	}{
		{"openai_done", OpenAI, "data: {}\n\ndata: [DONE]", true},
		{"openai_cut", OpenAI, "data: {}\n\n", false},
		{"anthropic_stop", Anthropic, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", true},
		{"anthropic_cut", Anthropic, "event: ping\ndata: {\"type\":\"ping\"}\n\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			st := New().Stream(tt.kind, tt.kind, "m", &out)
			if _, err := st.Write([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			err := st.Close()
			if tt.clean && (err != nil || !strings.HasSuffix(out.String(), "\n\n") || strings.Contains(out.String(), "error")) {
				t.Errorf("Close = %v, stream %q; want a clean end", err, out.String())
			}
			if !tt.clean && (!errors.Is(err, ErrTruncated) || !strings.Contains(out.String(), "error")) {
				t.Errorf("Close = %v, stream %q; want ErrTruncated and an error event", err, out.String())
			}
		})
	}
}

// TestFlushPerEvent: a writer with a Flush method is flushed after each event.
func TestFlushPerEvent(t *testing.T) {
	var fw flushWriter
	st := testTranslator().Stream(OpenAI, Anthropic, "m", &fw)
	in := mustRead(t, "testdata/openai-anthropic/tool_use.stream")
	if _, err := st.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	events := strings.Count(fw.String(), "\n\n")
	if fw.flushes != events {
		t.Errorf("%d flushes for %d events", fw.flushes, events)
	}
	var chunk map[string]any
	first, _, _ := strings.Cut(strings.TrimPrefix(fw.String(), "data: "), "\n")
	if err := json.Unmarshal([]byte(first), &chunk); err != nil {
		t.Errorf("first event is not a JSON chunk: %v", err)
	}
}

type flushWriter struct {
	bytes.Buffer
	flushes int
}

func (f *flushWriter) Flush() { f.flushes++ }

func TestDefaultMaxTokens(t *testing.T) {
	tests := []struct {
		model string
		want  int
	}{
		{"claude-3-haiku-20240307", 4096},
		{"claude-3-opus-latest", 4096},
		{"claude-3-5-haiku-latest", 8192},
		{"claude-3-7-sonnet-20250219", 8192},
		{"claude-sonnet-4-5", 8192},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			out, _, err := New().Request(OpenAI, Anthropic, tt.model, []byte(`{"messages":[{"role":"user","content":"hi"}]}`), false)
			if err != nil {
				t.Fatal(err)
			}
			var req anRequest
			if err := json.Unmarshal(out, &req); err != nil || req.MaxTokens != tt.want {
				t.Errorf("max_tokens for %s = %d (%v), want %d", tt.model, req.MaxTokens, err, tt.want)
			}
		})
	}
}

// TestProviderEndEndsClientStream: an OpenAI client's stream from Anthropic or
// Ollama is complete at the provider's last event (message_stop, the done record):
// "data: [DONE]" goes out with the finishing chunk; what follows (a stray event, a
// cut, Close) adds nothing to it.
func TestProviderEndEndsClientStream(t *testing.T) {
	for _, c := range []struct {
		provider, stream, stray string
	}{
		{Anthropic, "testdata/openai-anthropic/tool_use.stream",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"late\"}}\n\n"},
		{Ollama, "testdata/openai-ollama/thinking.stream", `{"model":"m","message":{"role":"assistant","content":"late"},"done":false}` + "\n"},
	} {
		in := mustRead(t, c.stream)
		want := mustRead(t, c.stream+".golden")
		for _, tt := range []struct {
			name string
			end  func(StreamTranslator) error
		}{
			{"close", StreamTranslator.Close},
			{"abort", func(st StreamTranslator) error { return st.Abort("upstream connection reset") }},
			{"stray_then_close", func(st StreamTranslator) error {
				if _, err := st.Write([]byte(c.stray)); err != nil {
					return err
				}
				return st.Close()
			}},
		} {
			t.Run(c.provider+"/"+tt.name, func(t *testing.T) {
				var out bytes.Buffer
				st := testTranslator().Stream(OpenAI, c.provider, "requested-model", &out)
				if _, err := st.Write(in); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Fatalf("before the provider's end the client has\n%s\nwant the whole golden stream, [DONE] included", out.Bytes())
				}
				if err := tt.end(st); err != nil {
					t.Fatalf("end: %v", err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Errorf("after the end the client has\n%s\nwant nothing added to the golden stream", out.Bytes())
				}
			})
		}
	}
}

// TestOAChunkerFinishAsEncodingJSON: the finishing chunk, written by hand, is
// byte for byte what encoding/json writes for the same oaResponse, for every
// usage shape (details present or not, a cache write count or none) and a finish
// reason that needs escaping; the role chunk too.
func TestOAChunkerFinishAsEncodingJSON(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reason string
		usage  *oaUsage
	}{
		{"no_usage", "stop", nil},
		{"bare", "length", &oaUsage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}},
		{"anthropic", "tool_calls", anthropicUsageToOpenAI(anUsage{InputTokens: 7, CacheReadInputTokens: 1800, CacheCreationInputTokens: 12, OutputTokens: 40})},
		{"reasoning", "content_filter", &oaUsage{PromptTokens: 10, CompletionTokens: 20, TotalTokens: 30,
			PromptTokensDetails: &oaPromptDetails{}, CompletionTokensDetails: &oaCompletionDetails{ReasoningTokens: 15}}},
		{"escaped_reason", "a<b\"\u2028", &oaUsage{TotalTokens: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c := &oaChunker{out: newEmitter(&out, OpenAI), id: "chatcmpl-<1>", model: "m\u00e9\"", created: 1741569952}
			if err := c.finish(tt.reason, tt.usage); err != nil {
				t.Fatal(err)
			}
			reason := tt.reason
			var want bytes.Buffer
			for _, chunk := range []oaResponse{
				{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
					Choices: []oaChoice{{Delta: &oaRespMessage{Role: "assistant", Content: ptr("")}}}},
				{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
					Choices: []oaChoice{{Delta: &oaRespMessage{}, FinishReason: &reason}}, Usage: tt.usage},
			} {
				data, err := json.Marshal(&chunk)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&want, "data: %s\n\n", data)
			}
			if out.String() != want.String() {
				t.Errorf("chunker wrote\n%s\nencoding/json writes\n%s", out.String(), want.String())
			}
		})
	}
}
