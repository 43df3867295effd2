package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Ollama's native API (POST /api/chat and /api/generate), which streams
// newline-delimited JSON by default:
// https://github.com/ollama/ollama/blob/main/docs/api.md

type ollamaChatRequest struct {
	Model    string          `json:"model"`
	Messages []ollamaMessage `json:"messages"`
	Tools    json.RawMessage `json:"tools"`
	Stream   *bool           `json:"stream"` // Ollama streams unless told false
}

type ollamaGenerateRequest struct {
	Model  string   `json:"model"`
	Prompt string   `json:"prompt"`
	System string   `json:"system"`
	Images []string `json:"images"`
	Raw    bool     `json:"raw"` // the prompt is already templated
	Stream *bool    `json:"stream"`
}

type ollamaMessage struct {
	Role       string           `json:"role"`
	Content    string           `json:"content"`
	Thinking   string           `json:"thinking"`
	Images     []string         `json:"images"` // base64, without a data: prefix
	ToolCalls  []ollamaToolCall `json:"tool_calls"`
	ToolName   string           `json:"tool_name"`
	ToolCallID string           `json:"tool_call_id"`
}

type ollamaToolCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"` // an object, unlike OpenAI's string
	} `json:"function"`
}

// ParseOllamaChat reads an Ollama /api/chat exchange: the request's messages
// (images become Media, tool call arguments become compact JSON text, thinking
// becomes Reasoning) and the NDJSON stream or single object of the response. The
// request streams unless it says "stream": false; the body decides in the end.
// A stream without its "done": true record is Incomplete. Errors wrap ErrMalformed
// or ErrUpstream ({"error": "..."}, alone or mid-stream).
func ParseOllamaChat(reqBody, respBody []byte) (*Round, error) {
	var req ollamaChatRequest
	if err := json.Unmarshal(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode ollama chat request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:  OllamaChat,
		Model:    req.Model,
		Messages: make([]Message, 0, len(req.Messages)),
		Answers:  []Message{},
		Stream:   req.Stream == nil || *req.Stream,
	}
	for _, m := range req.Messages {
		r.Messages = append(r.Messages, m.message())
	}
	var err error
	if r.Tools, err = openaiTools(req.Tools, nil); err != nil {
		return nil, fmt.Errorf("decode ollama chat request tools: %w", err)
	}
	if err := parseOllamaBody(r, respBody, "", false); err != nil {
		return nil, err
	}
	return r, nil
}

// ParseOllamaGenerate reads an Ollama /api/generate exchange. A raw prompt (one
// the client templated itself) is read back with RecoverChat, as for legacy
// completions, and kept whole with Raw set when that fails; otherwise the system
// field and the prompt (with its images) are the history. The answer is the
// concatenated "response" text, with "thinking" as Reasoning. Errors as for
// ParseOllamaChat.
func ParseOllamaGenerate(reqBody, respBody []byte) (*Round, error) {
	var req ollamaGenerateRequest
	if err := json.Unmarshal(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode ollama generate request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:  OllamaGenerate,
		Model:    req.Model,
		Messages: []Message{},
		Answers:  []Message{},
		Stream:   req.Stream == nil || *req.Stream,
	}
	prefill := ""
	if req.Raw {
		prefill = setPromptHistory(r, req.Prompt)
		if len(req.Images) > 0 {
			last := &r.Messages[len(r.Messages)-1]
			last.Media = ollamaImages(req.Images)
		}
	} else {
		if req.System != "" {
			r.Messages = append(r.Messages, Message{Role: RoleSystem, Content: req.System})
		}
		if req.Prompt != "" || len(req.Images) > 0 {
			r.Messages = append(r.Messages, Message{Role: RoleUser, Content: req.Prompt, Media: ollamaImages(req.Images)})
		}
	}
	if err := parseOllamaBody(r, respBody, prefill, req.Raw && !r.Raw); err != nil {
		return nil, err
	}
	return r, nil
}

func (m *ollamaMessage) message() Message {
	msg := Message{
		Role:       openaiRole(m.Role),
		Content:    m.Content,
		Reasoning:  m.Thinking,
		Media:      ollamaImages(m.Images),
		ToolCalls:  ollamaToolCalls(m.ToolCalls),
		ToolCallID: m.ToolCallID,
		Name:       m.ToolName,
	}
	if msg.Role == RoleAssistant {
		splitThink(&msg)
	}
	return msg
}

func ollamaImages(images []string) []Media {
	var media []Media
	for _, img := range images {
		media = append(media, mediaFromBase64("image", "", img))
	}
	return media
}

func ollamaToolCalls(calls []ollamaToolCall) []ToolCall {
	var out []ToolCall
	for _, c := range calls {
		out = append(out, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: compactArgs(c.Function.Arguments)})
	}
	return out
}

// compactArgs gives the JSON text of tool call arguments: an object compacted
// (keys in the order sent), a string as its contents, null as "".
func compactArgs(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}
