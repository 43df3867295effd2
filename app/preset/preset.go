// Package preset is the table of LLM providers and local servers a first run offers:
// for each, the upstream base URL llmtap's target is set to, the model list call a
// self-test makes, and what to paste into the clients (SillyTavern, the Python and
// JavaScript SDKs, curl) once it is set. It imports nothing of llmtap's.
package preset

import "strings"

// Dialects a preset's clients speak; they pick the snippets.
const (
	OpenAI    = "openai"
	Anthropic = "anthropic"
	Gemini    = "gemini"
	Ollama    = "ollama"
)

// Preset is one provider or local server. Its zero value is not usable; the table
// (All) is read-only.
type Preset struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Local is set for servers on this machine (their port is the one each project
	// documents as its default).
	Local bool `json:"local"`
	// Target is the upstream base URL: llmtap's --target when this preset is picked.
	Target string `json:"target"`
	// ClientPath is appended to the proxy's address to give the base URL clients use
	// (the path prefix their SDK expects, e.g. "/v1").
	ClientPath string `json:"clientPath"`
	// ModelsPath is the model list call on the proxy (origin-form), which the
	// self-test sends: it costs nothing and every provider here has one.
	ModelsPath string `json:"modelsPath"`
	// Dialect is how its clients talk: OpenAI, Anthropic, Gemini or Ollama.
	Dialect string `json:"dialect"`
	// KeyEnv names the environment variable the snippets read the key from, "" for
	// local servers, which take none.
	KeyEnv string `json:"keyEnv,omitempty"`
	// Model is a model name for the example request.
	Model string `json:"model"`
	// Docs is the provider's page on its API.
	Docs string `json:"docs"`
}

// all is the table; docs checked December 2026.
var all = []Preset{
	{ID: "openai", Name: "OpenAI", Target: "https://api.openai.com", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, KeyEnv: "OPENAI_API_KEY", Model: "gpt-4o-mini", Docs: "https://platform.openai.com/docs/api-reference"},
	{ID: "anthropic", Name: "Anthropic", Target: "https://api.anthropic.com", ClientPath: "", ModelsPath: "/v1/models",
		Dialect: Anthropic, KeyEnv: "ANTHROPIC_API_KEY", Model: "claude-sonnet-4-5", Docs: "https://docs.anthropic.com/en/api/overview"},
	// Gemini's OpenAI-compatible endpoint lives under /v1beta/openai; the native API
	// (google-genai) under /v1beta/models on the same host, so one target serves both.
	{ID: "gemini", Name: "Google Gemini", Target: "https://generativelanguage.googleapis.com", ClientPath: "/v1beta/openai",
		ModelsPath: "/v1beta/openai/models", Dialect: Gemini, KeyEnv: "GEMINI_API_KEY", Model: "gemini-2.5-flash",
		Docs: "https://ai.google.dev/gemini-api/docs/openai"},
	{ID: "deepseek", Name: "DeepSeek", Target: "https://api.deepseek.com", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, KeyEnv: "DEEPSEEK_API_KEY", Model: "deepseek-chat", Docs: "https://api-docs.deepseek.com/"},
	{ID: "openrouter", Name: "OpenRouter", Target: "https://openrouter.ai/api", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, KeyEnv: "OPENROUTER_API_KEY", Model: "openai/gpt-4o-mini", Docs: "https://openrouter.ai/docs/quickstart"},
	{ID: "groq", Name: "Groq", Target: "https://api.groq.com/openai", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, KeyEnv: "GROQ_API_KEY", Model: "llama-3.3-70b-versatile", Docs: "https://console.groq.com/docs/openai"},
	{ID: "mistral", Name: "Mistral", Target: "https://api.mistral.ai", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, KeyEnv: "MISTRAL_API_KEY", Model: "mistral-small-latest", Docs: "https://docs.mistral.ai/api/"},
	// Ollama's model list is its native /api/tags; clients may use its OpenAI API (/v1)
	// or the native one (/api/chat), both through the same target.
	{ID: "ollama", Name: "Ollama", Local: true, Target: "http://127.0.0.1:11434", ClientPath: "/v1", ModelsPath: "/api/tags",
		Dialect: Ollama, Model: "llama3.2", Docs: "https://github.com/ollama/ollama/blob/main/docs/openai.md"},
	{ID: "lmstudio", Name: "LM Studio", Local: true, Target: "http://127.0.0.1:1234", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, Model: "local-model", Docs: "https://lmstudio.ai/docs/app/api/endpoints/openai"},
	{ID: "llamacpp", Name: "llama.cpp (llama-server)", Local: true, Target: "http://127.0.0.1:8080", ClientPath: "/v1",
		ModelsPath: "/v1/models", Dialect: OpenAI, Model: "local-model",
		Docs: "https://github.com/ggml-org/llama.cpp/tree/master/tools/server"},
	{ID: "vllm", Name: "vLLM", Local: true, Target: "http://127.0.0.1:8000", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, Model: "local-model", Docs: "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html"},
	{ID: "tabbyapi", Name: "TabbyAPI", Local: true, Target: "http://127.0.0.1:5000", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, Model: "local-model", Docs: "https://github.com/theroyallab/tabbyAPI/wiki"},
	{ID: "koboldcpp", Name: "KoboldCpp", Local: true, Target: "http://127.0.0.1:5001", ClientPath: "/v1", ModelsPath: "/v1/models",
		Dialect: OpenAI, Model: "koboldcpp", Docs: "https://github.com/LostRuins/koboldcpp/wiki"},
	// text-generation-webui serves its OpenAI-compatible API on 5000 when started with --api.
	{ID: "textgen", Name: "text-generation-webui", Local: true, Target: "http://127.0.0.1:5000", ClientPath: "/v1",
		ModelsPath: "/v1/models", Dialect: OpenAI, Model: "local-model",
		Docs: "https://github.com/oobabooga/text-generation-webui/wiki/12-%E2%80%90-OpenAI-API"},
}

// All returns the presets in the order to offer them: cloud providers, then local
// servers. The caller owns the slice.
func All() []Preset { return append([]Preset(nil), all...) }

// ByID returns the preset with id, or false.
func ByID(id string) (Preset, bool) {
	for _, p := range all {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

// ForTarget returns the preset whose Target is target (ignoring a final slash), or
// false: it names what a target set by hand or by an older run talks to.
func ForTarget(target string) (Preset, bool) {
	t := strings.TrimSuffix(target, "/")
	for _, p := range all {
		if p.Target == t {
			return p, true
		}
	}
	return Preset{}, false
}
