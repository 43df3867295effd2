package preset

import (
	"fmt"
	"strings"
)

// Snippet is one client's settings for a preset, ready to copy.
type Snippet struct {
	// Client names it: "SillyTavern", "Python", "JavaScript", "curl".
	Client string `json:"client"`
	// Text is what to copy: settings to enter, or code.
	Text string `json:"text"`
	// Code is set when Text is code or a command rather than where to click.
	Code bool `json:"code,omitempty"`
}

// BaseURL is the base URL a client of p uses, given the proxy's root URL
// ("http://127.0.0.1:8780").
func BaseURL(p Preset, proxyRoot string) string {
	return strings.TrimSuffix(proxyRoot, "/") + p.ClientPath
}

// Clients returns the settings of each client for p behind the proxy at proxyRoot:
// SillyTavern, the Python and JavaScript SDKs, and curl. Keys are read from the
// environment (p.KeyEnv), never written into a snippet.
func Clients(p Preset, proxyRoot string) []Snippet {
	root := strings.TrimSuffix(proxyRoot, "/")
	base := BaseURL(p, root)
	key := "not-needed" // local servers take any key
	pyKey, jsKey, shKey := `"not-needed"`, `'not-needed'`, key
	if p.KeyEnv != "" {
		pyKey = fmt.Sprintf(`os.environ["%s"]`, p.KeyEnv)
		jsKey = "process.env." + p.KeyEnv
		shKey = "$" + p.KeyEnv
	}
	switch p.Dialect {
	case Anthropic:
		return []Snippet{
			{Client: "SillyTavern", Text: fmt.Sprintf("API Connections → Chat Completion → Claude → Reverse proxy: "+
				"Proxy Server URL %s/v1, Proxy Password your Anthropic key", root)},
			{Client: "Python", Code: true, Text: fmt.Sprintf("import os, anthropic\n"+
				"client = anthropic.Anthropic(base_url=%q, api_key=%s)", root, pyKey)},
			{Client: "JavaScript", Code: true, Text: fmt.Sprintf("import Anthropic from '@anthropic-ai/sdk';\n"+
				"const client = new Anthropic({ baseURL: '%s', apiKey: %s });", root, jsKey)},
			{Client: "curl", Code: true, Text: fmt.Sprintf("curl %s/v1/messages \\\n"+
				"  -H \"x-api-key: %s\" -H 'anthropic-version: 2023-06-01' -H 'Content-Type: application/json' \\\n"+
				"  -d '{\"model\": \"%s\", \"max_tokens\": 256, \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'",
				root, shKey, p.Model)},
		}
	case Gemini:
		return []Snippet{
			{Client: "SillyTavern", Text: fmt.Sprintf("API Connections → Chat Completion → Google AI Studio → Reverse proxy: "+
				"Proxy Server URL %s, your Gemini key as the API key", root)},
			{Client: "Python", Code: true, Text: fmt.Sprintf("import os\nfrom openai import OpenAI\n"+
				"client = OpenAI(base_url=%q, api_key=%s)\n"+
				"# or google-genai: genai.Client(api_key=..., http_options={\"base_url\": %q})", base, pyKey, root)},
			{Client: "JavaScript", Code: true, Text: openAIJS(base, jsKey)},
			{Client: "curl", Code: true, Text: openAICurl(base, shKey, p.Model)},
		}
	}
	st := fmt.Sprintf("API Connections → Chat Completion → Custom (OpenAI-compatible): Custom Endpoint (Base URL) %s", base)
	if p.KeyEnv != "" {
		st += ", Custom API Key your " + p.Name + " key"
	}
	py := fmt.Sprintf("import os\nfrom openai import OpenAI\nclient = OpenAI(base_url=%q, api_key=%s)", base, pyKey)
	curl := openAICurl(base, shKey, p.Model)
	if p.Dialect == Ollama {
		st += fmt.Sprintf("; or Text Completion → Ollama, API URL %s", root)
		py += fmt.Sprintf("\n# or the ollama package: ollama.Client(host=%q)", root)
		curl = fmt.Sprintf("curl %s/api/chat -d '{\"model\": \"%s\", \"stream\": false, "+
			"\"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'", root, p.Model)
	}
	return []Snippet{
		{Client: "SillyTavern", Text: st},
		{Client: "Python", Code: true, Text: py},
		{Client: "JavaScript", Code: true, Text: openAIJS(base, jsKey)},
		{Client: "curl", Code: true, Text: curl},
	}
}

func openAIJS(base, key string) string {
	return fmt.Sprintf("import OpenAI from 'openai';\nconst client = new OpenAI({ baseURL: '%s', apiKey: %s });", base, key)
}

func openAICurl(base, key, model string) string {
	return fmt.Sprintf("curl %s/chat/completions \\\n"+
		"  -H \"Authorization: Bearer %s\" -H 'Content-Type: application/json' \\\n"+
		"  -d '{\"model\": \"%s\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'", base, key, model)
}
