package dataset

import "testing"

func TestDetectDialectRerank(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		want   Dialect
		chat   bool
	}{
		{"jina", "POST", "/v1/rerank", Rerank, false},
		{"cohere_v2", "POST", "/v2/rerank", Rerank, false},
		{"bare", "POST", "/rerank", Rerank, false},
		{"host_in_path", "POST", "/api.voyageai.com/v1/rerank", Rerank, false},
		{"dashscope", "POST", "/api/v1/services/rerank/text-rerank/text-rerank", Rerank, false},
		{"get_is_not", "GET", "/v1/rerank", Unknown, false},
		{"chat_still_chat", "POST", "/v1/chat/completions", OpenAIChat, true},
		{"embeddings_unknown", "POST", "/v1/embeddings", Unknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectDialect(tt.method, tt.path)
			if got != tt.want {
				t.Errorf("DetectDialect(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
			if got.Chat() != tt.chat {
				t.Errorf("%q.Chat() = %v, want %v", got, got.Chat(), tt.chat)
			}
		})
	}
}

func TestRequestModel(t *testing.T) {
	tests := []struct {
		name string
		path string
		body string
		want string
	}{
		{"openai", "/v1/chat/completions", `{"messages":[],"model":"gpt-4o"}`, "gpt-4o"},
		{"rerank", "/v1/rerank", `{"model":"jina-reranker-v2","query":"q"}`, "jina-reranker-v2"},
		{"gemini_path", "/v1beta/models/gemini-2.5-flash:generateContent", `{"contents":[]}`, "gemini-2.5-flash"},
		{"no_model", "/v1/chat/completions", `{"messages":[]}`, ""},
		{"model_not_string", "/v1/x", `{"model":3}`, ""},
		{"not_json", "/v1/x", `model=gpt`, ""},
		{"empty", "/v1/models", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RequestModel(tt.path, []byte(tt.body)); got != tt.want {
				t.Errorf("RequestModel(%q, %q) = %q, want %q", tt.path, tt.body, got, tt.want)
			}
		})
	}
}
