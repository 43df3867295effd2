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
	in, err := readOpenAIRequest(body)
	if err != nil {
		return nil, err
	}
	out, err := anthropicRequestOf(&in, model, stream)
	if err != nil {
		return nil, err
	}
	return appendAnthropicRequest(make([]byte, 0, len(body)+len(body)/4+256), out), nil
}

// anthropicRequestOf is the Messages request for the Chat Completions request in.
func anthropicRequestOf(in *oaRequest, model string, stream bool) (*anOutRequest, error) {
	out := new(anOutRequest)
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
	// The blocks of all messages share one array; each message's are a slice of
	// it, capped so that appending to them copies.
	arena := make([]anBlock, 0, len(in.Messages)+1)
	capped := func(start int) []anBlock { return arena[start:len(arena):len(arena)] }
	for i, m := range in.Messages {
		parts, err := m.contentParts()
		if err != nil {
			return nil, fmt.Errorf("message %d content: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			system = append(system, anBlock{Type: "text", Text: openaiText(parts)})
		case "user":
			start := len(arena)
			if arena, err = anthropicBlocks(arena, parts); err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			out.Messages = appendAnthropic(out.Messages, "user", capped(start))
		case "assistant":
			start := len(arena)
			if arena, err = anthropicAssistant(arena, &m, parts); err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			out.Messages = appendAnthropic(out.Messages, "assistant", capped(start))
		case "tool":
			res := anBlock{Type: "tool_result", ToolUseID: m.ToolCallID}
			start := len(arena)
			if arena, err = anthropicBlocks(arena, parts); err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			if blocks := arena[start:]; len(blocks) == 1 && blocks[0].Type == "text" {
				res.Content = jsonString(blocks[0].Text)
			} else {
				res.Content = appendAnthropicBlocks(nil, blocks)
			}
			arena = append(arena[:start], res) // the text blocks are in res now
			out.Messages = appendAnthropic(out.Messages, "user", capped(start))
		default:
			return nil, fmt.Errorf("message %d role %q: %w", i, m.Role, ErrUnsupported)
		}
	}
	if len(system) > 0 {
		out.System = appendAnthropicBlocks(nil, system)
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
	return out, nil
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

// anthropicBlocks turns OpenAI content parts into Anthropic blocks, appended to blocks.
func anthropicBlocks(blocks []anBlock, parts []oaPart) ([]anBlock, error) {
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
// tool calls. They are appended to blocks.
func anthropicAssistant(blocks []anBlock, m *oaMessage, parts []oaPart) ([]anBlock, error) {
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
	blocks, err := anthropicBlocks(blocks, parts)
	if err != nil {
		return nil, err
	}
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
