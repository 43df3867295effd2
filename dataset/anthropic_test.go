package dataset

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
)

// runParseGolden checks parse against every testdata/<dialect>/<case>.req.json and
// <case>.resp pair, comparing with <case>.golden.json: the Round, or the error text.
func runParseGolden(t *testing.T, dialect string, parse func(req, resp []byte) (*Round, error)) {
	t.Helper()
	type golden struct {
		Round *Round `json:"round,omitempty"`
		Error string `json:"error,omitempty"`
	}
	dir := filepath.Join("testdata", dialect)
	for _, name := range goldenCases(t, dir, ".req.json") {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(dir, name)
			r, err := parse(readFile(t, base+".req.json"), readFile(t, base+".resp"))
			got := golden{Round: r}
			if err != nil {
				got.Error = err.Error()
			}
			checkGolden(t, base+".golden.json", got)
		})
	}
}

// fuzzParse checks that parse neither panics nor hangs, that it fails only with its
// sentinels, and that a Round it returns is whole and can be encoded.
func fuzzParse(f *testing.F, dialect string, parse func(req, resp []byte) (*Round, error)) {
	dir := filepath.Join("testdata", dialect)
	for _, name := range goldenCases(f, dir, ".req.json") {
		base := filepath.Join(dir, name)
		f.Add(readFile(f, base+".req.json"), readFile(f, base+".resp"))
	}
	f.Fuzz(func(t *testing.T, req, resp []byte) {
		r, err := parse(req, resp)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUpstream) {
				t.Fatalf("parse error %v wraps no sentinel", err)
			}
			if r != nil {
				t.Fatalf("parse returned %+v with error %v, want nil", r, err)
			}
			return
		}
		if r.Answers == nil || r.Messages == nil {
			t.Fatalf("parse = %+v, want non-nil Messages and Answers", r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("encode round: %v", err)
		}
		PathKeys(append(r.Messages, r.Answers...))
	})
}

func TestParseAnthropicGolden(t *testing.T) {
	runParseGolden(t, "anthropic", ParseAnthropic)
}

func FuzzParseAnthropic(f *testing.F) {
	fuzzParse(f, "anthropic", ParseAnthropic)
}

func TestDetectDialectAnthropic(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Dialect
	}{
		{"messages", "POST", "/v1/messages", Anthropic},
		{"route_prefix", "POST", "/anthropic/v1/messages", Anthropic},
		{"count_tokens", "POST", "/v1/messages/count_tokens", Unknown},
		{"batches", "POST", "/v1/messages/batches", Unknown},
		{"batch_results", "GET", "/v1/messages/batches/msgbatch_01/results", Unknown},
		{"openai_thread_messages", "POST", "/v1/threads/thread_1/messages", Unknown},
		{"get", "GET", "/v1/messages", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectDialect(tt.method, tt.path); got != tt.want {
				t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestParseAnthropicErrors(t *testing.T) {
	const req = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		name string
		req  string
		resp string
		want error
	}{
		{"request_not_json", `{"model":`, ``, ErrMalformed},
		{"messages_not_array", `{"messages":{}}`, ``, ErrMalformed},
		{"content_number", `{"messages":[{"role":"user","content":42}]}`, ``, ErrMalformed},
		{"block_not_object", `{"messages":[{"role":"user","content":[42]}]}`, ``, ErrMalformed},
		{"tool_result_content_number", `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":1}]}]}`, ``, ErrMalformed},
		{"system_number", `{"system":1,"messages":[]}`, ``, ErrMalformed},
		{"tools_object", `{"messages":[],"tools":{}}`, ``, ErrMalformed},
		{"response_not_message", req, `{"type":"ping"}`, ErrMalformed},
		{"response_error", req, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, ErrUpstream},
		{"response_error_string", req, `{"error":"bad gateway"}`, ErrUpstream},
		{"response_html", req, "<html><body>502 Bad Gateway</body></html>", ErrMalformed},
		{"stream_error_without_event_name", req, "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(Anthropic, []byte(tt.req), []byte(tt.resp))
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(Anthropic, %q, %q) error = %v, want %v", tt.req, tt.resp, err, tt.want)
			}
			if r != nil {
				t.Errorf("Parse(Anthropic, %q, %q) = %+v, want nil round with the error", tt.req, tt.resp, r)
			}
		})
	}
}

func TestParseAnthropicLenient(t *testing.T) {
	const req = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	const start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\n"
	const stop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	delta := func(index, typ, field, value string) string {
		return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + index +
			",\"delta\":{\"type\":\"" + typ + "\",\"" + field + "\":\"" + value + "\"}}\n\n"
	}
	tests := []struct {
		name           string
		resp           string
		wantAnswers    int
		wantContent    string
		wantArgs       string
		wantIncomplete bool
	}{
		{"delta_without_block_start", start + delta("0", "text_delta", "text", "a") + stop, 1, "a", "", false},
		{"input_delta_without_block_start", start + delta("0", "input_json_delta", "partial_json", "{}") + stop, 1, "", "{}", false},
		{"blocks_out_of_order", start + delta("1", "text_delta", "text", "b") + delta("0", "text_delta", "text", "a") + stop, 1, "a\nb", "", false},
		{"tool_use_without_input_deltas", start + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n" + stop, 1, "", "{}", false},
		{"stop_reason_without_message_stop", start + delta("0", "text_delta", "text", "a") + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n", 1, "a", "", true},
		{"garbage_event", start + delta("0", "text_delta", "text", "a") + "data: nope\n\n" + stop, 1, "a", "", true},
		{"events_after_stop_ignored", start + delta("0", "text_delta", "text", "a") + stop + delta("0", "text_delta", "text", "b"), 1, "a", "", false},
		{"empty_complete_stream", start + stop, 1, "", "", false},
		{"cut_after_start", start, 0, "", "", true},
		{"huge_index", start + delta("99999999999", "text_delta", "text", "a") + stop, 1, "a", "", false},
		{"object_cut", `{"type":"message","content":[{"type":"text","text":"Hel`, 0, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseAnthropic([]byte(req), []byte(tt.resp))
			if err != nil {
				t.Fatalf("ParseAnthropic(%q) error = %v", tt.resp, err)
			}
			if len(r.Answers) != tt.wantAnswers || r.Incomplete != tt.wantIncomplete {
				t.Fatalf("ParseAnthropic(%q) = %d answers, incomplete %v; want %d, %v",
					tt.resp, len(r.Answers), r.Incomplete, tt.wantAnswers, tt.wantIncomplete)
			}
			if tt.wantAnswers == 0 {
				return
			}
			a := r.Answers[0]
			var args string
			if len(a.ToolCalls) > 0 {
				args = a.ToolCalls[0].Arguments
			}
			if a.Content != tt.wantContent || args != tt.wantArgs {
				t.Errorf("ParseAnthropic(%q) = content %q, arguments %q; want %q, %q", tt.resp, a.Content, args, tt.wantContent, tt.wantArgs)
			}
		})
	}
}

// TestParseAnthropicRoundTrip checks that an answer, resent by the client as the
// next request's history, gets the same message key, streamed or not: threading
// depends on it.
func TestParseAnthropicRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		resp    string
		resent  string // the answer's content blocks as the client sends them back
		wantKey bool
	}{
		{"text_and_tool_use", "testdata/anthropic/stream_tool_use.resp",
			`[{"type":"text","text":"Okay, let's check the weather for San Francisco, CA:"},{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{"location":"San Francisco, CA"}}]`, true},
		{"thinking_dropped", "testdata/anthropic/stream_thinking.resp",
			`[{"type":"text","text":"27 * 453 = **12,231**"}]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseAnthropic([]byte(`{"messages":[]}`), readFile(t, tt.resp))
			if err != nil || len(r.Answers) != 1 {
				t.Fatalf("ParseAnthropic(%s) = %+v, %v; want one answer", tt.resp, r, err)
			}
			next, err := ParseAnthropic([]byte(`{"messages":[{"role":"assistant","content":`+tt.resent+`}]}`), nil)
			if err != nil || len(next.Messages) != 1 {
				t.Fatalf("ParseAnthropic(resent) = %+v, %v; want one message", next, err)
			}
			got, want := MessageKey("", next.Messages[0]), MessageKey("", r.Answers[0])
			if (got == want) != tt.wantKey {
				t.Errorf("MessageKey(resent) = %s, MessageKey(answer) = %s; want equal %v", got, want, tt.wantKey)
			}
		})
	}
}
