package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// anthropicToOpenAIRequest rewrites a Messages request as a Chat Completions one,
// for an Anthropic client (Claude Code) on an OpenAI-compatible model.
func anthropicToOpenAIRequest(body []byte, model string, stream bool) ([]byte, error) {
	var in anRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read anthropic request: %w", err)
	}
	out := oaRequest{Model: model, Stream: stream, Temperature: in.Temperature, TopP: in.TopP}
	if in.MaxTokens > 0 {
		out.MaxTokens = ptr(in.MaxTokens)
	}
	if stream {
		out.StreamOptions = &oaStreamOpts{IncludeUsage: true}
	}
	if len(in.StopSequences) > 0 {
		out.Stop, _ = json.Marshal(in.StopSequences)
	}
	sys, err := anthropicSystem(in.System)
	if err != nil {
		return nil, err
	}
	if sys != "" {
		out.Messages = append(out.Messages, oaMessage{Role: "system", Content: jsonString(sys)})
	}
	for i, m := range in.Messages {
		blocks, err := anthropicContent(m.Content)
		if err != nil {
			return nil, fmt.Errorf("message %d content: %w", i, err)
		}
		var msgs []oaMessage
		if m.Role == "assistant" {
			msgs, err = openaiAssistant(blocks)
		} else {
			msgs, err = openaiUser(blocks)
		}
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		out.Messages = append(out.Messages, msgs...)
	}
	for _, t := range in.Tools {
		// Anthropic's server tools (web_search, bash, text_editor…) run on
		// Anthropic's side; an OpenAI model has nothing to run them with.
		if t.Type != "" && t.Type != "custom" {
			continue
		}
		params := t.InputSchema
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out.Tools = append(out.Tools, oaTool{Type: "function", Function: oaFunction{Name: t.Name, Description: t.Description, Parameters: params}})
	}
	if c := in.ToolChoice; c != nil && len(out.Tools) > 0 {
		switch c.Type {
		case "auto", "none":
			out.ToolChoice = jsonString(c.Type)
		case "any":
			out.ToolChoice = jsonString("required")
		case "tool":
			var f oaToolChoiceFunc
			f.Type, f.Function.Name = "function", c.Name
			out.ToolChoice, _ = json.Marshal(f)
		}
		if c.DisableParallelToolUse {
			out.ParallelToolCalls = ptr(false)
		}
	}
	var meta struct {
		UserID string `json:"user_id"`
	}
	if len(in.Metadata) > 0 && json.Unmarshal(in.Metadata, &meta) == nil {
		out.User = meta.UserID
	}
	return json.Marshal(out)
}

// anthropicSystem joins Anthropic's system prompt (a string or text blocks).
func anthropicSystem(raw json.RawMessage) (string, error) {
	blocks, err := anthropicContent(raw)
	if err != nil {
		return "", fmt.Errorf("system: %w", err)
	}
	texts := make([]string, 0, len(blocks))
	for _, b := range blocks {
		if b.Type == "text" {
			texts = append(texts, b.Text)
		}
	}
	return strings.Join(texts, "\n\n"), nil
}

// anthropicContent reads a content that is a string or a list of blocks.
func anthropicContent(raw json.RawMessage) ([]anBlock, error) {
	return stringOrList(raw, func(s string) anBlock { return anBlock{Type: "text", Text: s} })
}

// openaiParts turns text and image blocks into OpenAI content parts.
func openaiParts(blocks []anBlock) ([]oaPart, error) {
	parts := make([]oaPart, 0, len(blocks))
	for _, b := range blocks {
		switch b.Type {
		case "text":
			parts = append(parts, oaPart{Type: "text", Text: b.Text})
		case "image":
			if b.Source == nil {
				return nil, fmt.Errorf("image block without a source: %w", ErrUnsupported)
			}
			url := b.Source.URL
			if b.Source.Type == "base64" {
				url = "data:" + b.Source.MediaType + ";base64," + b.Source.Data
			}
			parts = append(parts, oaPart{Type: "image_url", ImageURL: &oaImageURL{URL: url}})
		default:
			return nil, fmt.Errorf("content block %q: %w", b.Type, ErrUnsupported)
		}
	}
	return parts, nil
}

// openaiPartsContent encodes parts as OpenAI content: a plain string when it is
// text only, the form every OpenAI-compatible server takes.
func openaiPartsContent(parts []oaPart) json.RawMessage {
	textOnly := true
	for _, p := range parts {
		textOnly = textOnly && p.Type == "text"
	}
	if textOnly {
		return jsonString(openaiText(parts))
	}
	b, _ := json.Marshal(parts)
	return b
}

// openaiUser turns a user turn into OpenAI messages: one tool message per
// tool_result (they must follow the assistant's tool calls), then the rest.
// OpenAI tool messages take text only, so images in a tool result go into the
// user message after them.
func openaiUser(blocks []anBlock) ([]oaMessage, error) {
	var msgs []oaMessage
	var rest []anBlock
	for _, b := range blocks {
		if b.Type != "tool_result" {
			rest = append(rest, b)
			continue
		}
		inner, err := anthropicContent(b.Content)
		if err != nil {
			return nil, fmt.Errorf("tool_result %s: %w", b.ToolUseID, err)
		}
		var text []string
		for _, ib := range inner {
			if ib.Type == "text" {
				text = append(text, ib.Text)
			} else {
				rest = append(rest, ib)
			}
		}
		msgs = append(msgs, oaMessage{Role: "tool", ToolCallID: b.ToolUseID, Content: jsonString(strings.Join(text, "\n"))})
	}
	if len(rest) > 0 {
		parts, err := openaiParts(rest)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, oaMessage{Role: "user", Content: openaiPartsContent(parts)})
	}
	return msgs, nil
}

// openaiAssistant turns an assistant turn into one OpenAI message. Thinking text
// goes back as reasoning_content, which the reasoning models that want it
// (DeepSeek in tool loops) read and the others ignore.
func openaiAssistant(blocks []anBlock) ([]oaMessage, error) {
	m := oaMessage{Role: "assistant"}
	var text []oaPart
	var reasoning []string
	for _, b := range blocks {
		switch b.Type {
		case "text":
			text = append(text, oaPart{Type: "text", Text: b.Text})
		case "thinking":
			reasoning = append(reasoning, b.Thinking)
		case "redacted_thinking":
		case "tool_use":
			m.ToolCalls = append(m.ToolCalls, oaToolCall{ID: b.ID, Type: "function",
				Function: oaFunctionCall{Name: b.Name, Arguments: string(objectOrEmpty(b.Input))}})
		default:
			return nil, fmt.Errorf("assistant block %q: %w", b.Type, ErrUnsupported)
		}
	}
	m.ReasoningContent = strings.Join(reasoning, "\n")
	if len(text) > 0 {
		m.Content = jsonString(openaiText(text))
	}
	return []oaMessage{m}, nil
}
