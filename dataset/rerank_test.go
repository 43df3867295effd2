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
