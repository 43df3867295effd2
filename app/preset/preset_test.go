package preset_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app/preset"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/proxy"
)

// TestPresets routes each preset's model list call and chat call through a real
// proxy with the preset's target, and checks the upstream URLs against each
// provider's documentation (local servers at their documented default ports).
func TestPresets(t *testing.T) {
	tests := []struct {
		id         string
		wantModels string // the model list URL upstream
		wantChat   string // the chat URL upstream
		chatPath   string // the chat call relative to the client base URL
		dialect    dataset.Dialect
	}{
		{"openai", "https://api.openai.com/v1/models", "https://api.openai.com/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"anthropic", "https://api.anthropic.com/v1/models", "https://api.anthropic.com/v1/messages", "/v1/messages", dataset.Anthropic},
		{"gemini", "https://generativelanguage.googleapis.com/v1beta/openai/models",
			"https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"deepseek", "https://api.deepseek.com/v1/models", "https://api.deepseek.com/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"openrouter", "https://openrouter.ai/api/v1/models", "https://openrouter.ai/api/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"groq", "https://api.groq.com/openai/v1/models", "https://api.groq.com/openai/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"mistral", "https://api.mistral.ai/v1/models", "https://api.mistral.ai/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"ollama", "http://127.0.0.1:11434/api/tags", "http://127.0.0.1:11434/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"lmstudio", "http://127.0.0.1:1234/v1/models", "http://127.0.0.1:1234/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"llamacpp", "http://127.0.0.1:8080/v1/models", "http://127.0.0.1:8080/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"vllm", "http://127.0.0.1:8000/v1/models", "http://127.0.0.1:8000/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"tabbyapi", "http://127.0.0.1:5000/v1/models", "http://127.0.0.1:5000/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"koboldcpp", "http://127.0.0.1:5001/v1/models", "http://127.0.0.1:5001/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
		{"textgen", "http://127.0.0.1:5000/v1/models", "http://127.0.0.1:5000/v1/chat/completions", "/chat/completions", dataset.OpenAIChat},
	}
	if got := len(preset.All()); got != len(tests) {
		t.Errorf("len(All()) = %d, want %d: a preset without a row here is untested", got, len(tests))
	}
	const root = "http://127.0.0.1:8780"
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, ok := preset.ByID(tt.id)
			if !ok {
				t.Fatalf("ByID(%q) = false", tt.id)
			}
			if back, ok := preset.ForTarget(p.Target + "/"); !ok || back.Target != p.Target {
				t.Errorf("ForTarget(%q) = %v, %v", p.Target+"/", back.ID, ok)
			}
			s, err := proxy.New(proxy.Config{Target: p.Target})
			if err != nil {
				t.Fatalf("target %q: %v", p.Target, err)
			}
			if got, _, _ := s.Resolve(p.ModelsPath); got != tt.wantModels {
				t.Errorf("model list goes to %q, want %q", got, tt.wantModels)
			}
			base, err := url.Parse(preset.BaseURL(p, root))
			if err != nil {
				t.Fatal(err)
			}
			chat := base.Path + tt.chatPath
			if got, _, _ := s.Resolve(chat); got != tt.wantChat {
				t.Errorf("chat %s goes to %q, want %q", chat, got, tt.wantChat)
			}
			if got := dataset.DetectDialect("POST", chat); got != tt.dialect {
				t.Errorf("DetectDialect(%s) = %v, want %v", chat, got, tt.dialect)
			}
			if (p.KeyEnv == "") != p.Local {
				t.Errorf("local %v with key variable %q: cloud APIs need a key, local servers none", p.Local, p.KeyEnv)
			}
			clients := preset.Clients(p, root)
			want := []string{"SillyTavern", "Python", "JavaScript", "curl"}
			if len(clients) != len(want) {
				t.Fatalf("Clients = %d snippets, want %d", len(clients), len(want))
			}
			for i, c := range clients {
				if c.Client != want[i] || !strings.Contains(c.Text, root) {
					t.Errorf("snippet %d = %s %q, want %s naming the proxy %s", i, c.Client, c.Text, want[i], root)
				}
				if p.KeyEnv != "" && c.Code && !strings.Contains(c.Text, p.KeyEnv) {
					t.Errorf("%s snippet does not read the key from %s: %q", c.Client, p.KeyEnv, c.Text)
				}
			}
		})
	}
}
