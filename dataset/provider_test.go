package dataset

import "testing"

func TestProvider(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		dialect Dialect
		want    string
	}{
		{"openai", "api.openai.com", OpenAIChat, "openai"},
		{"anthropic_with_port", "api.anthropic.com:443", Anthropic, "anthropic"},
		{"gemini", "generativelanguage.googleapis.com", Gemini, "gemini"},
		{"vertex_region", "us-central1-aiplatform.googleapis.com", Gemini, "gemini"},
		{"deepseek", "api.deepseek.com", OpenAIChat, "deepseek"},
		{"openrouter", "openrouter.ai", OpenAIChat, "openrouter"},
		{"groq", "api.groq.com", OpenAIChat, "groq"},
		{"mistral", "api.mistral.ai", OpenAIChat, "mistral"},
		{"together", "api.together.xyz", OpenAIChat, "together"},
		{"moonshot_cn", "api.moonshot.cn", OpenAIChat, "moonshot"},
		{"moonshot_ai", "api.moonshot.ai", OpenAIChat, "moonshot"},
		{"dashscope_intl", "dashscope-intl.aliyuncs.com", OpenAIChat, "dashscope"},
		{"siliconflow", "api.siliconflow.cn", OpenAIChat, "siliconflow"},
		{"github", "models.github.ai", OpenAIChat, "github"},
		{"upper_case", "API.OpenAI.com", OpenAIChat, "openai"},
		{"ollama_dialect", "127.0.0.1:8080", OllamaChat, "ollama"},
		{"ollama_port_openai_dialect", "localhost:11434", OpenAIChat, "ollama"},
		{"local_llama_cpp", "127.0.0.1:5000", OpenAIChat, "local"},
		{"lan_address", "192.168.1.20:8000", OpenAICompletions, "local"},
		{"ipv6_loopback", "[::1]:8000", OpenAIChat, "local"},
		{"unknown_cloud", "llm.example.com", OpenAIChat, ""},
		{"lookalike_is_not_openai", "api.openai.com.evil.example", OpenAIChat, ""},
		{"empty", "", Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Provider(tt.host, tt.dialect); got != tt.want {
				t.Errorf("Provider(%q, %q) = %q, want %q", tt.host, tt.dialect, got, tt.want)
			}
		})
	}
}

func TestClientName(t *testing.T) {
	tests := []struct {
		name, ua, want string
	}{
		{"openai_python", "OpenAI/Python 1.55.0", "OpenAI/Python 1.55.0"},
		{"openai_node", "OpenAI/JS 4.77.0", "OpenAI/JS 4.77.0"},
		{"requests", "python-requests/2.32.3", "python-requests/2.32.3"},
		{"curl", "curl/8.5.0", "curl/8.5.0"},
		{"chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome/131.0.0.0"},
		{"firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox/133.0"},
		{"electron_app", "Mozilla/5.0 (Macintosh) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/0.44.11 Chrome/128.0 Electron/32.2.6 Safari/537.36", "Cursor/0.44.11"},
		{"comment_dropped", "claude-cli/1.0.3 (external, cli)", "claude-cli/1.0.3"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientName(tt.ua); got != tt.want {
				t.Errorf("ClientName(%q) = %q, want %q", tt.ua, got, tt.want)
			}
		})
	}
}
