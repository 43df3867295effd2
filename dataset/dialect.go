package dataset

import "strings"

// Dialect names an LLM API wire format.
type Dialect string

// The dialects llmtap recognises. Unknown traffic is still stored as an exchange.
const (
	Unknown    Dialect = ""
	OpenAIChat Dialect = "openai-chat"
	// OpenAIResponses is the OpenAI Responses API (POST .../responses).
	OpenAIResponses Dialect = "openai-responses"
	// OpenAICompletions is the legacy text completions API (POST .../completions,
	// but not .../chat/completions), as llama.cpp, vLLM and TabbyAPI still serve it.
	OpenAICompletions Dialect = "openai-completions"
	// OllamaChat is Ollama's native chat API (POST .../api/chat).
	OllamaChat Dialect = "ollama-chat"
	// OllamaGenerate is Ollama's native generate API (POST .../api/generate).
	OllamaGenerate Dialect = "ollama-generate"
	// Anthropic is the Anthropic Messages API (POST .../v1/messages).
	Anthropic Dialect = "anthropic"
	// Gemini is the Gemini API: .../models/{model}:generateContent and
	// :streamGenerateContent, on AI Studio (v1, v1beta) and Vertex AI.
	Gemini Dialect = "gemini"
	// OpenAIRealtime is the OpenAI Realtime API: a WebSocket session opened with
	// GET .../realtime (OpenAI /v1/realtime, Azure /openai/realtime), recorded as
	// one exchange of NDJSON events (see ParseOpenAIRealtime).
	OpenAIRealtime Dialect = "openai-realtime"
	// Rerank is a rerank API (POST .../rerank: Jina, Cohere v1 and v2, Voyage,
	// SiliconFlow, vLLM, and DashScope's .../services/rerank/...): a query and
	// documents in, relevance scores out. Its exchanges are listed as such and never
	// become chats (see Dialect.Chat).
	Rerank Dialect = "rerank"
)

// Chat reports whether exchanges of d carry a chat round that Parse reads; Unknown
// and Rerank do not.
func (d Dialect) Chat() bool { return d != Unknown && d != Rerank }

// DetectDialect tells which API dialect a request path speaks. It looks only at the
// path's suffix, so route prefixes ("/deepseek/v1/chat/completions") do not matter.
// Every dialect is a POST but the Realtime API, whose session opens with a GET.
func DetectDialect(method, path string) Dialect {
	if method == "GET" && strings.HasSuffix(path, "/realtime") {
		return OpenAIRealtime // the WebSocket upgrade; not .../realtime/sessions nor /calls
	}
	if method != "POST" {
		return Unknown
	}
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return OpenAIChat
	case strings.HasSuffix(path, "/completions"): // after /chat/completions
		return OpenAICompletions
	case strings.HasSuffix(path, "/responses"):
		return OpenAIResponses
	case strings.HasSuffix(path, "/api/chat"):
		return OllamaChat
	case strings.HasSuffix(path, "/api/generate"):
		return OllamaGenerate
	case strings.HasSuffix(path, "/v1/messages"): // not /v1/messages/count_tokens nor /batches
		return Anthropic
	case GeminiModelFromPath(path) != "":
		return Gemini
	case strings.HasSuffix(path, "/rerank") || strings.Contains(path, "/services/rerank/"):
		return Rerank
	}
	return Unknown
}
