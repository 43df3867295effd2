package translate

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// anthropicToOpenAIResponse rewrites a Messages reply as a chat.completion.
func (t *Translator) anthropicToOpenAIResponse(body []byte, model string) ([]byte, error) {
	var in struct {
		anResponse
		Error *anErrorBody `json:"error"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read anthropic reply: %w", err)
	}
	if in.Error != nil {
		return json.Marshal(map[string]any{"error": oaError{Message: in.Error.Message, Type: in.Error.Type}})
	}
	msg := oaRespMessage{Role: "assistant"}
	var text, reasoning strings.Builder
	for _, b := range in.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "thinking":
			reasoning.WriteString(b.Thinking)
			msg.ThinkingBlocks = append(msg.ThinkingBlocks, thinkingBlock{Type: "thinking", Thinking: b.Thinking, Signature: deref(b.Signature)})
		case "redacted_thinking":
			msg.ThinkingBlocks = append(msg.ThinkingBlocks, thinkingBlock{Type: "redacted_thinking", Data: b.Data})
		case "tool_use":
			msg.ToolCalls = append(msg.ToolCalls, oaToolCall{ID: b.ID, Type: "function",
				Function: oaFunctionCall{Name: b.Name, Arguments: string(objectOrEmpty(b.Input))}})
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = ptr(text.String())
	}
	msg.ReasoningContent = reasoning.String()
	finish := anthropicFinish(deref(in.StopReason))
	return json.Marshal(oaResponse{
		ID: in.ID, Object: "chat.completion", Created: t.now().Unix(), Model: or(in.Model, model),
		Choices: []oaChoice{{Message: &msg, FinishReason: &finish}},
		Usage:   anthropicUsageToOpenAI(in.Usage),
	})
}

// geminiToOpenAIResponse rewrites a generateContent reply as a chat.completion,
// one choice per candidate.
func (t *Translator) geminiToOpenAIResponse(body []byte, model string) ([]byte, error) {
	var in gmResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read gemini reply: %w", err)
	}
	if in.Error != nil {
		return json.Marshal(map[string]any{"error": oaError{Message: in.Error.Message, Type: in.Error.Status, Code: in.Error.Code}})
	}
	out := oaResponse{ID: in.ResponseID, Object: "chat.completion", Created: t.now().Unix(),
		Model: or(in.ModelVersion, model), Usage: geminiUsageToOpenAI(in.UsageMetadata), Choices: []oaChoice{}}
	if out.ID == "" {
		out.ID = t.newID("chatcmpl-")
	}
	if pf := in.PromptFeedback; pf != nil && pf.BlockReason != "" && len(in.Candidates) == 0 {
		// A blocked prompt: an empty answer filtered, as OpenAI reports one.
		in.Candidates = []gmCandidate{{FinishReason: "SAFETY"}}
	}
	for _, c := range in.Candidates {
		msg := oaRespMessage{Role: "assistant"}
		var text, reasoning strings.Builder
		for _, p := range c.Content.Parts {
			switch {
			case p.FunctionCall != nil:
				msg.ToolCalls = append(msg.ToolCalls, geminiToolCall(p, t.newID))
			case p.Thought:
				reasoning.WriteString(p.Text)
			default:
				text.WriteString(p.Text)
			}
		}
		if text.Len() > 0 || len(msg.ToolCalls) == 0 {
			msg.Content = ptr(text.String())
		}
		msg.ReasoningContent = reasoning.String()
		finish := geminiFinish(c.FinishReason, len(msg.ToolCalls) > 0)
		out.Choices = append(out.Choices, oaChoice{Index: c.Index, Message: &msg, FinishReason: &finish})
	}
	return json.Marshal(out)
}

// geminiToolCall turns a functionCall part into an OpenAI tool call, its thought
// signature kept where Google's OpenAI-compatible endpoint keeps it. Gemini
// usually gives no call ID, so one is made.
func geminiToolCall(p gmPart, newID func(string) string) oaToolCall {
	c := oaToolCall{ID: p.FunctionCall.ID, Type: "function",
		Function: oaFunctionCall{Name: p.FunctionCall.Name, Arguments: string(objectOrEmpty(p.FunctionCall.Args))}}
	if c.ID == "" {
		c.ID = newID("call_")
	}
	if p.ThoughtSignature != "" {
		c.ExtraContent = &oaExtraContent{Google: &oaGoogleExtra{ThoughtSignature: p.ThoughtSignature}}
	}
	return c
}

// ollamaToOpenAIResponse rewrites an /api/chat reply as a chat.completion.
func (t *Translator) ollamaToOpenAIResponse(body []byte, model string) ([]byte, error) {
	var in olResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read ollama reply: %w", err)
	}
	if in.Error != "" {
		return json.Marshal(map[string]any{"error": oaError{Message: in.Error, Type: "server_error"}})
	}
	msg := oaRespMessage{Role: "assistant", ReasoningContent: in.Message.Thinking}
	for _, c := range in.Message.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, ollamaToolCall(c, t.newID))
	}
	if in.Message.Content != "" || len(msg.ToolCalls) == 0 {
		msg.Content = ptr(in.Message.Content)
	}
	finish := ollamaFinish(in.DoneReason, len(msg.ToolCalls) > 0)
	return json.Marshal(oaResponse{
		ID: t.newID("chatcmpl-"), Object: "chat.completion", Created: t.ollamaCreated(in.CreatedAt),
		Model: or(in.Model, model), Choices: []oaChoice{{Message: &msg, FinishReason: &finish}},
		Usage: ollamaUsageToOpenAI(&in),
	})
}

func ollamaToolCall(c olToolCall, newID func(string) string) oaToolCall {
	return oaToolCall{ID: newID("call_"), Type: "function",
		Function: oaFunctionCall{Name: c.Function.Name, Arguments: string(objectOrEmpty(c.Function.Arguments))}}
}

func (t *Translator) ollamaCreated(createdAt string) int64 {
	if ts, err := time.Parse(time.RFC3339Nano, createdAt); err == nil {
		return ts.Unix()
	}
	return t.now().Unix()
}

// openaiToAnthropicResponse rewrites a chat.completion as a Messages reply, for
// an Anthropic client on an OpenAI-compatible model.
func (t *Translator) openaiToAnthropicResponse(body []byte, model string) ([]byte, error) {
	var in oaResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("read openai reply: %w", err)
	}
	if in.Error != nil {
		return json.Marshal(anErrorEvent{Type: "error", Error: anErrorBody{Type: or(in.Error.Type, "api_error"), Message: in.Error.Message}})
	}
	if len(in.Choices) == 0 || in.Choices[0].Message == nil {
		return nil, fmt.Errorf("openai reply %s has no choices", in.ID)
	}
	m := in.Choices[0].Message
	out := anResponse{ID: in.ID, Type: "message", Role: "assistant", Model: or(in.Model, model), Content: []anBlock{}}
	if r := or(m.ReasoningContent, m.Reasoning); r != "" {
		// OpenAI-compatible reasoning has no signature; Anthropic's SDKs expect
		// the field, so it is there and empty.
		out.Content = append(out.Content, anBlock{Type: "thinking", Thinking: r, Signature: ptr("")})
	}
	if m.Content != nil && *m.Content != "" {
		out.Content = append(out.Content, anBlock{Type: "text", Text: *m.Content})
	}
	for _, c := range m.ToolCalls {
		out.Content = append(out.Content, anBlock{Type: "tool_use", ID: c.ID, Name: c.Function.Name, Input: toolInput(c.Function.Arguments)})
	}
	stop := openaiStopReason(deref(in.Choices[0].FinishReason))
	out.StopReason = &stop
	out.Usage = openaiUsageToAnthropic(in.Usage)
	return json.Marshal(out)
}

// toolInput turns OpenAI tool arguments into an Anthropic tool input, which must
// be an object: arguments that are not one (a local model's broken JSON) become {}.
func toolInput(args string) json.RawMessage {
	raw := json.RawMessage(strings.TrimSpace(args))
	if len(raw) > 0 && raw[0] == '{' && json.Valid(raw) {
		return raw
	}
	return json.RawMessage("{}")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
