package dataset

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// openaiGolden is what a golden file holds: the Round, or the error text.
type openaiGolden struct {
	Round *Round `json:"round,omitempty"`
	Error string `json:"error,omitempty"`
}

func TestParseOpenAIChatGolden(t *testing.T) {
	dir := filepath.Join("testdata", "openai")
	for _, name := range goldenCases(t, dir, ".req.json") {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(dir, name)
			req := readFile(t, base+".req.json")
			resp := readFile(t, base+".resp")
			var got openaiGolden
			r, err := ParseOpenAIChat(req, resp)
			if err != nil {
				got.Error = err.Error()
			}
			got.Round = r
			checkGolden(t, base+".golden.json", got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		dialect Dialect
		req     string
		resp    string
		want    error
	}{
		{"unknown_dialect", Unknown, `{}`, ``, ErrUnknownDialect},
		{"empty_request", OpenAIChat, ``, ``, ErrMalformed},
		{"request_not_json", OpenAIChat, `{"model":`, ``, ErrMalformed},
		{"messages_not_array", OpenAIChat, `{"messages":{}}`, ``, ErrMalformed},
		{"content_number", OpenAIChat, `{"messages":[{"role":"user","content":42}]}`, ``, ErrMalformed},
		{"tools_object", OpenAIChat, `{"messages":[],"tools":{}}`, ``, ErrMalformed},
		{"response_without_choices", OpenAIChat, `{"messages":[]}`, `{"id":"x"}`, ErrMalformed},
		{"response_error_object", OpenAIChat, `{"messages":[]}`, `{"error":{"message":"bad key"}}`, ErrUpstream},
		{"response_error_string", OpenAIChat, `{"messages":[]}`, `{"error":"bad key"}`, ErrUpstream},
		{"response_html", OpenAIChat, `{"messages":[]}`, "<html><body>502 Bad Gateway</body></html>", ErrMalformed},
		{"stream_error", OpenAIChat, `{"messages":[]}`, "data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.dialect, []byte(tt.req), []byte(tt.resp))
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%q, %q, %q) error = %v, want %v", tt.dialect, tt.req, tt.resp, err, tt.want)
			}
			if r != nil {
				t.Errorf("Parse(%q, %q, %q) = %+v, want nil round with the error", tt.dialect, tt.req, tt.resp, r)
			}
		})
	}
}

func TestParseOpenAIChatLenient(t *testing.T) {
	const req = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		name           string
		resp           string
		wantContent    string
		wantCalls      int
		wantIncomplete bool
	}{
		{"done_without_finish", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n", "a", 0, false},
		{"finish_without_done", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\n", "a", 0, false},
		{"neither", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n", "a", 0, true},
		{"garbage_chunk", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: nope\n\ndata: [DONE]\n\n", "a", 0, true},
		{"last_event_without_blank_line", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]", "a", 0, false},
		{"tool_calls_without_index", "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}]}\n\n" +
			"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\"}\"}}]}}]}\n\n" +
			"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"c2\",\"function\":{\"name\":\"g\",\"arguments\":{\"x\":1}}}]},\"finish_reason\":\"tool_calls\"}]}\n\n", "", 2, false},
		{"huge_tool_index", "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99999999,\"id\":\"c\",\"function\":{\"name\":\"f\"}}]}}]}\n\ndata: [DONE]\n\n", "", 1, false},
		{"invalid_utf8", "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\xfe\"}}]}\n\ndata: [DONE]\n\n", "\ufffd\ufffd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseOpenAIChat([]byte(req), []byte(tt.resp))
			if err != nil {
				t.Fatalf("ParseOpenAIChat(%q) error = %v", tt.resp, err)
			}
			if len(r.Answers) != 1 {
				t.Fatalf("ParseOpenAIChat(%q) answers = %d, want 1", tt.resp, len(r.Answers))
			}
			a := r.Answers[0]
			if a.Content != tt.wantContent || len(a.ToolCalls) != tt.wantCalls || r.Incomplete != tt.wantIncomplete {
				t.Errorf("ParseOpenAIChat(%q) = content %q, %d calls, incomplete %v; want %q, %d, %v",
					tt.resp, a.Content, len(a.ToolCalls), r.Incomplete, tt.wantContent, tt.wantCalls, tt.wantIncomplete)
			}
		})
	}
}

func TestParseOpenAIChatTruncatedObject(t *testing.T) {
	const req = `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}]}`
	const resp = `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hel`
	r, err := ParseOpenAIChat([]byte(req), []byte(resp))
	if err != nil {
		t.Fatalf("ParseOpenAIChat(%q) error = %v", resp, err)
	}
	if len(r.Messages) != 1 || len(r.Answers) != 0 || !r.Incomplete || r.Stream {
		t.Errorf("ParseOpenAIChat(%q) = %+v, want the history, no answer, incomplete, not a stream", resp, r)
	}
}

func TestSplitThink(t *testing.T) {
	tests := []struct {
		name          string
		in            Message
		wantContent   string
		wantReasoning string
	}{
		{"closed", Message{Content: "<think>\nhm\n</think>\n\nok"}, "ok", "hm"},
		{"leading_space", Message{Content: "\n <think>a</think>b"}, "b", "a"},
		{"unclosed", Message{Content: "<think>still going"}, "", "still going"},
		{"not_at_start", Message{Content: "x <think>a</think>"}, "x <think>a</think>", ""},
		{"already_has_reasoning", Message{Content: "<think>a</think>b", Reasoning: "r"}, "<think>a</think>b", "r"},
		{"plain", Message{Content: "hello"}, "hello", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.in
			splitThink(&m)
			if m.Content != tt.wantContent || m.Reasoning != tt.wantReasoning {
				t.Errorf("splitThink(%q) = %q, %q; want %q, %q", tt.in.Content, m.Content, m.Reasoning, tt.wantContent, tt.wantReasoning)
			}
		})
	}
}

func TestOpenAIContentString(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"plain", `"hello world"`, "hello world"},
		{"escaped_quote", `"say \"hi\""`, `say "hi"`},
		{"escaped_newline", `"a\nb"`, "a\nb"},
		{"unicode_escape", `"caf\u00e9"`, "café"},
		{"raw_utf8", `"café ☕"`, "café ☕"},
		{"invalid_utf8", "\"a\xffb\"", "a\ufffdb"},
		{"empty", `""`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := openaiContent(json.RawMessage(tt.raw), false)
			if err != nil || got != tt.want {
				t.Errorf("openaiContent(%q) = %q, %v, want %q", tt.raw, got, err, tt.want)
			}
			// As a message's content, decoded with the message.
			var m openaiMessage
			if err := json.Unmarshal([]byte(`{"role":"user","content":`+tt.raw+`}`), &m); err != nil {
				t.Fatal(err)
			}
			if got, _, err := m.Content.read(); err != nil || got != tt.want {
				t.Errorf("content %s of a message = %q, %v, want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

// TestOpenAIBigContentCopiedOnce: parsing a request whose last message is 8 MB of
// plain text allocates that text once, not also as raw JSON first.
func TestOpenAIBigContentCopiedOnce(t *testing.T) {
	const size = 8 << 20
	big := strings.Repeat("the quick brown fox ", size/20)
	req := []byte(`{"model":"m","messages":[{"role":"user","content":"` + big + `"}]}`)
	resp := []byte(`{"choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	round, err := ParseOpenAIChat(req, resp)
	runtime.ReadMemStats(&after)
	if err != nil || len(round.Messages) == 0 || round.Messages[0].Content != big {
		t.Fatalf("ParseOpenAIChat = %v, %v", round, err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > size*3/2 {
		t.Errorf("ParseOpenAIChat of %d MiB of content allocated %.1f MiB, want under 1.5 times the content", size>>20, float64(got)/(1<<20))
	}
}

// FuzzOpenAIMessageContent: a message's content decoded with the message, by
// encoding/json or by the lexer (a whole response's message), reads as
// openaiContent reads the same JSON value.
func FuzzOpenAIMessageContent(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\nb"`, `"caf\u00e9"`, "\"a\xffb\"", `null`, `[{"type":"text","text":"x"}]`, `""`, `3`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var m openaiMessage
		if !json.Valid([]byte(raw)) || json.Unmarshal([]byte(`{"content":`+raw+`}`), &m) != nil {
			return // one JSON value, as a message's content is
		}
		got, _, gotErr := m.Content.read()
		want, _, wantErr := openaiContent(json.RawMessage(raw), false)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("content %q read with the message = %q, %v; openaiContent = %q, %v", raw, got, gotErr, want, wantErr)
		}
		var lm openaiMessage
		l := jsonLexer{b: []byte(`{"content":` + raw + `}`)}
		if !l.openaiMessage(&lm) {
			return // the lexer leaves it to encoding/json
		}
		if got, _, err := lm.Content.read(); got != want || (err == nil) != (wantErr == nil) {
			t.Errorf("content %q read by the lexer = %q, %v; openaiContent = %q, %v", raw, got, err, want, wantErr)
		}
	})
}
