package dataset

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestParseOpenAICompletionsGolden(t *testing.T) {
	checkParseGolden(t, filepath.Join("testdata", "completions"), func(string) Dialect { return OpenAICompletions })
}

func FuzzParseCompletions(f *testing.F) {
	addGoldenSeeds(f, filepath.Join("testdata", "completions"))
	f.Fuzz(func(t *testing.T, req, resp []byte) {
		checkParseFuzz(t, OpenAICompletions, req, resp)
	})
}

func TestDetectDialectOpenAIAndOllama(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Dialect
	}{
		{"chat_completions", "POST", "/v1/chat/completions", OpenAIChat},
		{"completions", "POST", "/v1/completions", OpenAICompletions},
		{"completions_prefixed", "POST", "/tabby/v1/completions", OpenAICompletions},
		{"responses", "POST", "/v1/responses", OpenAIResponses},
		{"responses_azure", "POST", "/openai/responses", OpenAIResponses},
		{"responses_get", "GET", "/v1/responses", Unknown},
		{"ollama_chat", "POST", "/api/chat", OllamaChat},
		{"ollama_generate", "POST", "/ollama/api/generate", OllamaGenerate},
		{"ollama_tags", "GET", "/api/tags", Unknown},
		{"ollama_show", "POST", "/api/show", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectDialect(tt.method, tt.path); got != tt.want {
				t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestParseErrorsOtherOpenAIAndOllama(t *testing.T) {
	tests := []struct {
		name    string
		dialect Dialect
		req     string
		resp    string
		want    error
	}{
		{"responses_request_not_json", OpenAIResponses, `{"input":`, ``, ErrMalformed},
		{"responses_input_number", OpenAIResponses, `{"input":42}`, ``, ErrMalformed},
		{"responses_content_number", OpenAIResponses, `{"input":[{"role":"user","content":42}]}`, ``, ErrMalformed},
		{"responses_tools_object", OpenAIResponses, `{"input":"hi","tools":{}}`, ``, ErrMalformed},
		{"responses_html", OpenAIResponses, `{"input":"hi"}`, "<html>502</html>", ErrMalformed},
		{"responses_failed_object", OpenAIResponses, `{"input":"hi"}`, `{"id":"r","status":"failed","error":{"code":"server_error","message":"boom"}}`, ErrUpstream},
		{"completions_prompt_number", OpenAICompletions, `{"prompt":42}`, ``, ErrMalformed},
		{"completions_no_choices", OpenAICompletions, `{"prompt":"a"}`, `{"id":"x"}`, ErrMalformed},
		{"completions_stream_error", OpenAICompletions, `{"prompt":"a"}`, "data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrUpstream},
		{"ollama_chat_messages_object", OllamaChat, `{"messages":{}}`, ``, ErrMalformed},
		{"ollama_chat_html", OllamaChat, `{"messages":[]}`, "<html>502</html>", ErrMalformed},
		{"ollama_generate_prompt_number", OllamaGenerate, `{"prompt":1}`, ``, ErrMalformed},
		{"ollama_generate_error", OllamaGenerate, `{"prompt":"a"}`, `{"error":"model not found"}`, ErrUpstream},
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
