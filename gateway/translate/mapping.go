package translate

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Stop reasons. OpenAI's finish_reason has five values; Anthropic's stop_reason
// and Gemini's finishReason have more, folded as their docs describe them.

func anthropicFinish(stopReason string) string {
	switch stopReason {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence, pause_turn
}

func openaiStopReason(finish string) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

func geminiFinish(reason string, toolCalls bool) string {
	switch reason {
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY":
		return "content_filter"
	}
	if toolCalls {
		return "tool_calls"
	}
	return "stop"
}

func ollamaFinish(reason string, toolCalls bool) string {
	if toolCalls {
		return "tool_calls"
	}
	if reason == "length" {
		return "length"
	}
	return "stop"
}

// Usage. OpenAI's prompt_tokens counts cached tokens too; Anthropic's input_tokens
// counts only what was neither read from nor written to the cache.

func anthropicUsageToOpenAI(u anUsage) *oaUsage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	return &oaUsage{
		PromptTokens:             prompt,
		CompletionTokens:         u.OutputTokens,
		TotalTokens:              prompt + u.OutputTokens,
		PromptTokensDetails:      &oaPromptDetails{CachedTokens: u.CacheReadInputTokens},
		CacheCreationInputTokens: u.CacheCreationInputTokens,
	}
}

func openaiUsageToAnthropic(u *oaUsage) anUsage {
	if u == nil {
		return anUsage{}
	}
	var cached int
	if u.PromptTokensDetails != nil {
		cached = u.PromptTokensDetails.CachedTokens
	}
	return anUsage{
		InputTokens:              max(u.PromptTokens-cached-u.CacheCreationInputTokens, 0),
		CacheReadInputTokens:     cached,
		CacheCreationInputTokens: u.CacheCreationInputTokens,
		OutputTokens:             u.CompletionTokens,
	}
}

func geminiUsageToOpenAI(u *gmUsage) *oaUsage {
	if u == nil {
		return nil
	}
	// candidatesTokenCount leaves out the thinking tokens; OpenAI's
	// completion_tokens includes reasoning tokens.
	completion := u.CandidatesTokenCount + u.ThoughtsTokenCount
	out := &oaUsage{
		PromptTokens:        u.PromptTokenCount,
		CompletionTokens:    completion,
		TotalTokens:         u.PromptTokenCount + completion,
		PromptTokensDetails: &oaPromptDetails{CachedTokens: u.CachedContentTokenCount},
	}
	if u.ThoughtsTokenCount > 0 {
		out.CompletionTokensDetails = &oaCompletionDetails{ReasoningTokens: u.ThoughtsTokenCount}
	}
	return out
}

func ollamaUsageToOpenAI(r *olResponse) *oaUsage {
	return &oaUsage{
		PromptTokens:     r.PromptEvalCount,
		CompletionTokens: r.EvalCount,
		TotalTokens:      r.PromptEvalCount + r.EvalCount,
	}
}

// parseStop reads OpenAI's stop, a string or a list of strings.
func parseStop(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("stop: %w", err)
	}
	return many, nil
}

// parseDataURL splits "data:image/png;base64,AAAA" into its media type and data.
func parseDataURL(u string) (mediaType, data string, ok bool) {
	rest, found := strings.CutPrefix(u, "data:")
	if !found {
		return "", "", false
	}
	meta, data, found := strings.Cut(rest, ",")
	if !found {
		return "", "", false
	}
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	if !isBase64 {
		return "", "", false
	}
	return mediaType, data, true
}

// openaiContent reads an OpenAI message's content: a string, null, or a list of
// parts. A string comes back as one text part.
func openaiContent(raw json.RawMessage) ([]oaPart, error) {
	return stringOrList(raw, func(s string) oaPart { return oaPart{Type: "text", Text: s} })
}

// stringOrList reads a content that both OpenAI and Anthropic allow as a string
// or a list: a string becomes the one item text gives.
func stringOrList[T any](raw json.RawMessage, text func(string) T) ([]T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		// The common case of a long history: read the string by hand rather
		// than have encoding/json validate and scan it once more.
		sc := jsonScan{b: raw}
		if v, ok := sc.str(); ok && sc.end() {
			return []T{text(string(v))}, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []T{text(s)}, nil
	}
	var list []T
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// openaiText joins the text parts of an OpenAI content, for the places that take
// text only (system prompts, tool results for Ollama).
func openaiText(parts []oaPart) string {
	if len(parts) == 1 {
		return parts[0].Text
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// toolChoice is an OpenAI tool_choice read into its cases: "auto", "none",
// "required", or a function's name.
type toolChoice struct {
	mode string
	name string
}

func parseToolChoice(raw json.RawMessage) (*toolChoice, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return &toolChoice{mode: s}, nil
	}
	var f oaToolChoiceFunc
	if err := json.Unmarshal(raw, &f); err != nil || f.Function.Name == "" {
		return nil, fmt.Errorf("tool_choice %s: %w", raw, ErrUnsupported)
	}
	return &toolChoice{mode: "function", name: f.Function.Name}, nil
}

// jsonString encodes s as a JSON string.
func jsonString(s string) json.RawMessage {
	return appendJSONString(make([]byte, 0, len(s)+2), s)
}

// objectOrEmpty gives "{}" for an absent JSON value: tool inputs and arguments
// must be objects.
func objectOrEmpty(raw json.RawMessage) json.RawMessage {
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}

func ptr[T any](v T) *T { return &v }

// parseResponseFormat reads OpenAI's response_format: its type, and the schema of
// a json_schema one.
func parseResponseFormat(raw json.RawMessage) (typ string, schema json.RawMessage, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return "", nil, fmt.Errorf("response_format: %w", err)
	}
	return rf.Type, rf.JSONSchema.Schema, nil
}
