package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Thinking budgets for OpenAI's reasoning_effort, as LiteLLM maps them.
var effortBudget = map[string]int{"minimal": 1024, "low": 1024, "medium": 2048, "high": 4096}

// openaiToAnthropicRequest rewrites a Chat Completions request as a Messages one.
func openaiToAnthropicRequest(body []byte, model string, stream bool) ([]byte, error) {
	var in oaRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read openai request: %w", err)
	}
	var out anOutRequest
	out.anRequest = anRequest{Model: model, Stream: stream, Temperature: in.Temperature, TopP: in.TopP}
	switch {
	case in.MaxCompletionTokens != nil:
		out.MaxTokens = *in.MaxCompletionTokens
	case in.MaxTokens != nil:
		out.MaxTokens = *in.MaxTokens
	default:
		out.MaxTokens = defaultMaxTokens(model)
	}
	stop, err := parseStop(in.Stop)
	if err != nil {
		return nil, err
	}
	out.StopSequences = stop
	var system []anBlock
	for i, m := range in.Messages {
		parts, err := openaiContent(m.Content)
		if err != nil {
			return nil, fmt.Errorf("message %d content: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			system = append(system, anBlock{Type: "text", Text: openaiText(parts)})
		case "user":
			blocks, err := anthropicBlocks(parts)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			out.Messages = appendAnthropic(out.Messages, "user", blocks)
		case "assistant":
			blocks, err := anthropicAssistant(m, parts)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			out.Messages = appendAnthropic(out.Messages, "assistant", blocks)
		case "tool":
			res := anBlock{Type: "tool_result", ToolUseID: m.ToolCallID}
			blocks, err := anthropicBlocks(parts)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			if len(blocks) == 1 && blocks[0].Type == "text" {
				res.Content = jsonString(blocks[0].Text)
			} else if res.Content, err = json.Marshal(blocks); err != nil {
				return nil, err
			}
			out.Messages = appendAnthropic(out.Messages, "user", []anBlock{res})
		default:
			return nil, fmt.Errorf("message %d role %q: %w", i, m.Role, ErrUnsupported)
		}
	}
	if len(system) > 0 {
		if out.System, err = json.Marshal(system); err != nil {
			return nil, err
		}
	}
	for _, t := range in.Tools {
		if t.Type != "function" {
			return nil, fmt.Errorf("tool type %q: %w", t.Type, ErrUnsupported)
		}
		schema := t.Function.Parameters
		if len(schema) == 0 || string(schema) == "null" {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out.Tools = append(out.Tools, anTool{Name: t.Function.Name, Description: t.Function.Description, InputSchema: schema})
	}
	tc, err := parseToolChoice(in.ToolChoice)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		switch tc.mode {
		case "auto", "none":
			out.ToolChoice = &anToolChoice{Type: tc.mode}
		case "required":
			out.ToolChoice = &anToolChoice{Type: "any"}
		case "function":
			out.ToolChoice = &anToolChoice{Type: "tool", Name: tc.name}
		default:
			return nil, fmt.Errorf("tool_choice %q: %w", tc.mode, ErrUnsupported)
		}
	}
	if in.ParallelToolCalls != nil && !*in.ParallelToolCalls && len(in.Tools) > 0 {
		if out.ToolChoice == nil {
			out.ToolChoice = &anToolChoice{Type: "auto"}
		}
		out.ToolChoice.DisableParallelToolUse = out.ToolChoice.Type != "none"
	}
	// Anthropic refuses thinking with a forced tool choice; the forced tool is
	// what the client relies on, so thinking gives way.
	forced := out.ToolChoice != nil && (out.ToolChoice.Type == "any" || out.ToolChoice.Type == "tool")
	if budget, ok := effortBudget[in.ReasoningEffort]; ok && !forced && thinkingEchoed(out.Messages) {
		out.Thinking = &anThinking{Type: "enabled", BudgetTokens: budget}
		// Anthropic wants the budget below max_tokens and refuses sampling
		// parameters while thinking.
		out.MaxTokens = max(out.MaxTokens, budget+1024)
		out.Temperature, out.TopP = nil, nil
	}
	if in.User != "" {
		out.Metadata, _ = json.Marshal(map[string]string{"user_id": in.User})
	}
	return json.Marshal(out)
}

// thinkingEchoed reports whether the last assistant turn, when it called tools,
// starts with the thinking block it was given. With thinking on, Anthropic
// refuses a tool loop whose assistant turn lost it (a client that did not echo
// thinking_blocks), so such a request goes without thinking.
func thinkingEchoed(msgs []anOutMessage) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "assistant" {
			continue
		}
		blocks := msgs[i].Content
		calls := false
		for _, b := range blocks {
			calls = calls || b.Type == "tool_use"
		}
		return !calls || blocks[0].Type == "thinking" || blocks[0].Type == "redacted_thinking"
	}
	return true
}

// appendAnthropic adds blocks as a message of role, merging them into the last
// message when it has that role: Anthropic wants user and assistant to alternate,
// and all the results of parallel tool calls in one user message.
func appendAnthropic(msgs []anOutMessage, role string, blocks []anBlock) []anOutMessage {
	if len(blocks) == 0 {
		return msgs
	}
	if n := len(msgs); n > 0 && msgs[n-1].Role == role {
		msgs[n-1].Content = append(msgs[n-1].Content, blocks...)
		return msgs
	}
	return append(msgs, anOutMessage{Role: role, Content: blocks})
}

// anOutRequest is the Anthropic request this package writes: its messages hold
// blocks, not the raw content a request read from a client holds.
type anOutRequest struct {
	anRequest
	Messages []anOutMessage `json:"messages"`
}

type anOutMessage struct {
	Role    string    `json:"role"`
	Content []anBlock `json:"content"`
}

// anthropicBlocks turns OpenAI content parts into Anthropic blocks.
func anthropicBlocks(parts []oaPart) ([]anBlock, error) {
	blocks := make([]anBlock, 0, len(parts))
	for _, p := range parts {
		switch p.Type {
		case "text", "refusal":
			if p.Text != "" {
				blocks = append(blocks, anBlock{Type: "text", Text: p.Text})
			}
		case "image_url":
			if p.ImageURL == nil {
				return nil, fmt.Errorf("image_url part without a url: %w", ErrUnsupported)
			}
			src := &anSource{Type: "url", URL: p.ImageURL.URL}
			if mt, data, ok := parseDataURL(p.ImageURL.URL); ok {
				src = &anSource{Type: "base64", MediaType: mt, Data: data}
			}
			blocks = append(blocks, anBlock{Type: "image", Source: src})
		default:
			return nil, fmt.Errorf("content part %q: %w", p.Type, ErrUnsupported)
		}
	}
	return blocks, nil
}

// anthropicAssistant rebuilds an assistant turn: the thinking blocks the client
// echoed back (thinking_blocks) first, as Anthropic requires, then text, then
// tool calls.
func anthropicAssistant(m oaMessage, parts []oaPart) ([]anBlock, error) {
	var blocks []anBlock
	for _, tb := range m.ThinkingBlocks {
		switch {
		case tb.Type == "redacted_thinking" && tb.Data != "":
			blocks = append(blocks, anBlock{Type: "redacted_thinking", Data: tb.Data})
		case tb.Type == "thinking" && tb.Signature != "":
			blocks = append(blocks, anBlock{Type: "thinking", Thinking: tb.Thinking, Signature: ptr(tb.Signature)})
		}
		// A block without a signature came from another provider and would be
		// refused.
	}
	text, err := anthropicBlocks(parts)
	if err != nil {
		return nil, err
	}
	blocks = append(blocks, text...)
	for _, c := range m.ToolCalls {
		args := strings.TrimSpace(c.Function.Arguments)
		if args == "" {
			args = "{}"
		}
		if !json.Valid([]byte(args)) {
			return nil, fmt.Errorf("tool call %s arguments are not JSON", c.ID)
		}
		blocks = append(blocks, anBlock{Type: "tool_use", ID: c.ID, Name: c.Function.Name, Input: json.RawMessage(args)})
	}
	return blocks, nil
}

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
