package dataset

import (
	"errors"
	"testing"
)

func TestParseGeminiGolden(t *testing.T) {
	runParseGolden(t, "gemini", ParseGemini)
}

func FuzzParseGemini(f *testing.F) {
	fuzzParse(f, "gemini", ParseGemini)
}

func TestDetectDialectGemini(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Dialect
	}{
		{"generate", "POST", "/v1beta/models/gemini-2.5-flash:generateContent", Gemini},
		{"stream", "POST", "/v1/models/gemini-2.0-flash:streamGenerateContent", Gemini},
		{"vertex", "POST", "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent", Gemini},
		{"count_tokens", "POST", "/v1beta/models/gemini-2.5-flash:countTokens", Unknown},
		{"embed", "POST", "/v1beta/models/text-embedding-004:embedContent", Unknown},
		{"openai_compatible", "POST", "/v1beta/openai/chat/completions", OpenAIChat},
		{"get", "GET", "/v1beta/models/gemini-2.5-flash:generateContent", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectDialect(tt.method, tt.path); got != tt.want {
				t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestGeminiModelFromPath(t *testing.T) {
	tests := []struct {
		name string
		path string
		want string
	}{
		{"v1beta", "/v1beta/models/gemini-2.5-flash:generateContent", "gemini-2.5-flash"},
		{"stream_with_query", "/v1beta/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse", "gemini-2.0-flash-001"},
		{"route_prefix", "/gemini/v1/models/gemini-2.5-pro:streamGenerateContent", "gemini-2.5-pro"},
		{"vertex", "/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent", "gemini-2.5-flash"},
		{"tuned_model", "/v1beta/tunedModels/my-tuned-model:generateContent", "my-tuned-model"},
		{"other_method", "/v1beta/models/gemini-2.5-flash:countTokens", ""},
		{"no_method", "/v1beta/models/gemini-2.5-flash", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GeminiModelFromPath(tt.path); got != tt.want {
				t.Errorf("GeminiModelFromPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestParseGeminiErrors(t *testing.T) {
	const req = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	tests := []struct {
		name string
		req  string
		resp string
		want error
	}{
		{"request_not_json", `{"contents":`, ``, ErrMalformed},
		{"contents_not_array", `{"contents":{}}`, ``, ErrMalformed},
		{"parts_not_array", `{"contents":[{"parts":"hi"}]}`, ``, ErrMalformed},
		{"snake_case_part_not_object", `{"contents":[{"parts":[{"inline_data":"x"}]}]}`, ``, ErrMalformed},
		{"tools_object", `{"contents":[],"tools":{}}`, ``, ErrMalformed},
		{"response_without_candidates", req, `{"usageMetadata":{"promptTokenCount":1}}`, ErrMalformed},
		{"response_error", req, `{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}`, ErrUpstream},
		{"response_error_string", req, `{"error":"bad gateway"}`, ErrUpstream},
		{"response_html", req, "<html><body>502 Bad Gateway</body></html>", ErrMalformed},
		{"array_error", req, `[{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}]`, ErrUpstream},
		{"sse_error", req, "data: {\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}\r\n\r\n", ErrUpstream},
		{"stream_blocked", req, "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}\r\n\r\n", ErrUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(Gemini, []byte(tt.req), []byte(tt.resp))
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(Gemini, %q, %q) error = %v, want %v", tt.req, tt.resp, err, tt.want)
			}
			if r != nil {
				t.Errorf("Parse(Gemini, %q, %q) = %+v, want nil round with the error", tt.req, tt.resp, r)
			}
		})
	}
}

func TestParseGeminiLenient(t *testing.T) {
	const req = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	chunk := func(text, finish string) string {
		s := `{"candidates":[{"content":{"role":"model","parts":[{"text":"` + text + `"}]}`
		if finish != "" {
			s += `,"finishReason":"` + finish + `"`
		}
		return s + `}]}`
	}
	tests := []struct {
		name           string
		resp           string
		wantAnswers    int
		wantContent    string
		wantIncomplete bool
		wantStream     bool
	}{
		{"array_without_finish", "[" + chunk("a", "") + "]", 1, "a", true, true},
		{"array_finish_without_bracket", "[" + chunk("a", "") + "," + chunk("b", "STOP"), 1, "ab", false, true},
		{"array_cut_in_chunk", "[" + chunk("a", "") + `,{"candidates":[{"content":{"parts":[{"te`, 1, "a", true, true},
		{"array_garbage_element", "[" + chunk("a", "") + ",42," + chunk("b", "STOP") + "]", 1, "ab", true, true},
		{"array_empty", "[]", 0, "", true, true},
		{"array_only_bracket", "[", 0, "", true, true},
		{"sse_lf_only", "data: " + chunk("a", "") + "\n\ndata: " + chunk("b", "STOP") + "\n\n", 1, "ab", false, true},
		{"sse_garbage_chunk", "data: " + chunk("a", "") + "\n\ndata: nope\n\ndata: " + chunk("b", "STOP") + "\n\n", 1, "ab", true, true},
		{"sse_usage_only_last", "data: " + chunk("a", "STOP") + "\n\ndata: {\"usageMetadata\":{\"promptTokenCount\":1}}\n\n", 1, "a", false, true},
		{"object_cut", `{"candidates":[{"content":{"parts":[{"text":"Hel`, 0, "", true, false},
		{"candidate_without_content", `{"candidates":[{"finishReason":"SAFETY"}]}`, 1, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseGemini([]byte(req), []byte(tt.resp))
			if err != nil {
				t.Fatalf("ParseGemini(%q) error = %v", tt.resp, err)
			}
			if len(r.Answers) != tt.wantAnswers || r.Incomplete != tt.wantIncomplete || r.Stream != tt.wantStream {
				t.Fatalf("ParseGemini(%q) = %d answers, incomplete %v, stream %v; want %d, %v, %v",
					tt.resp, len(r.Answers), r.Incomplete, r.Stream, tt.wantAnswers, tt.wantIncomplete, tt.wantStream)
			}
			if tt.wantAnswers > 0 && r.Answers[0].Content != tt.wantContent {
				t.Errorf("ParseGemini(%q) content = %q, want %q", tt.resp, r.Answers[0].Content, tt.wantContent)
			}
		})
	}
}

// TestParseGeminiRoundTrip checks that a streamed answer, resent as the next
// request's history either as the chunks' parts or merged, gets the same message
// key as the answer: threading depends on it.
func TestParseGeminiRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		resp   string
		resent string // the answer's content as the client sends it back
	}{
		{"parts_as_streamed", "testdata/gemini/stream_array.resp",
			`{"role":"model","parts":[{"text":"The"},{"text":" quick brown fox jumps over the lazy dog"},{"text":".\n"}]}`},
		{"parts_merged", "testdata/gemini/stream_array.resp",
			`{"role":"model","parts":[{"text":"The quick brown fox jumps over the lazy dog.\n"}]}`},
		{"function_calls", "testdata/gemini/stream_function_call.resp",
			`{"role":"model","parts":[{"functionCall":{"name":"get_current_temperature","args":{"location":"Boston"}},"thought_signature":"CiwB0e2Kbx3uvwxyz"},{"function_call":{"name":"get_time","args":{}}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseGemini([]byte(`{"contents":[]}`), readFile(t, tt.resp))
			if err != nil || len(r.Answers) != 1 {
				t.Fatalf("ParseGemini(%s) = %+v, %v; want one answer", tt.resp, r, err)
			}
			next, err := ParseGemini([]byte(`{"contents":[`+tt.resent+`]}`), nil)
			if err != nil || len(next.Messages) != 1 {
				t.Fatalf("ParseGemini(resent) = %+v, %v; want one message", next, err)
			}
			if got, want := MessageKey("", next.Messages[0]), MessageKey("", r.Answers[0]); got != want {
				t.Errorf("MessageKey(resent %+v) = %s, want %s as for the answer %+v", next.Messages[0], got, want, r.Answers[0])
			}
		})
	}
}
