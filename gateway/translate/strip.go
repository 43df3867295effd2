package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// StripReasoning removes from a request body in kind's dialect the reasoning tied
// to the model that produced it, for a fallback to another model that would
// refuse it: Anthropic thinking and redacted_thinking blocks (an assistant turn
// left empty is dropped), Gemini thought parts and thought signatures (the first
// function call of a turn gets the value Gemini documents for a history without
// them), OpenAI
// reasoning_content, reasoning, reasoning_details, thinking_blocks and tool call
// extra_content, Ollama thinking. Everything else in the body is kept as it was.
func (t *Translator) StripReasoning(kind string, body []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("read %s request: %w", kind, err)
	}
	listKey, strip := "messages", stripOpenAIMessage
	switch family(kind) {
	case OpenAI:
	case Ollama:
		strip = stripOllamaMessage
	case Anthropic:
		strip = stripAnthropicMessage
	case Gemini:
		listKey, strip = "contents", stripGeminiContent
	default:
		return nil, fmt.Errorf("strip reasoning for kind %q: %w", kind, ErrUnsupported)
	}
	var items []map[string]json.RawMessage
	if raw, ok := doc[listKey]; !ok || json.Unmarshal(raw, &items) != nil {
		return body, nil // nothing this function understands to strip
	}
	kept := items[:0]
	changed := false
	for _, it := range items {
		keep, ch, err := strip(it)
		if err != nil {
			return nil, err
		}
		changed = changed || ch || !keep
		if keep {
			kept = append(kept, it)
		}
	}
	if !changed {
		return body, nil
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	doc[listKey] = raw
	return json.Marshal(doc)
}

// A stripper edits one message in place; it reports whether to keep it and
// whether it changed.
type stripper func(m map[string]json.RawMessage) (keep, changed bool, err error)

func deleteKeys(m map[string]json.RawMessage, keys ...string) (changed bool) {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			delete(m, k)
			changed = true
		}
	}
	return changed
}

func stripOpenAIMessage(m map[string]json.RawMessage) (bool, bool, error) {
	changed := deleteKeys(m, "reasoning_content", "reasoning", "reasoning_details", "thinking_blocks")
	raw, ok := m["tool_calls"]
	if !ok || !bytes.Contains(raw, []byte("extra_content")) {
		return true, changed, nil
	}
	var calls []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &calls); err != nil {
		return false, false, fmt.Errorf("read tool_calls: %w", err)
	}
	for _, c := range calls {
		deleteKeys(c, "extra_content")
	}
	m["tool_calls"], _ = json.Marshal(calls)
	return true, true, nil
}

func stripOllamaMessage(m map[string]json.RawMessage) (bool, bool, error) {
	return true, deleteKeys(m, "thinking"), nil
}

func stripAnthropicMessage(m map[string]json.RawMessage) (bool, bool, error) {
	raw := m["content"]
	if len(raw) == 0 || raw[0] != '[' {
		return true, false, nil
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return false, false, fmt.Errorf("read content: %w", err)
	}
	kept := blocks[:0]
	for _, b := range blocks {
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &head)
		if head.Type != "thinking" && head.Type != "redacted_thinking" {
			kept = append(kept, b)
		}
	}
	if len(kept) == len(blocks) {
		return true, false, nil
	}
	if len(kept) == 0 {
		return false, true, nil
	}
	m["content"], _ = json.Marshal(kept)
	return true, true, nil
}

func stripGeminiContent(m map[string]json.RawMessage) (bool, bool, error) {
	var parts []map[string]json.RawMessage
	if raw, ok := m["parts"]; !ok || json.Unmarshal(raw, &parts) != nil {
		return true, false, nil
	}
	kept := parts[:0]
	changed, firstCall := false, true
	for _, p := range parts {
		if string(p["thought"]) == "true" {
			changed = true
			continue
		}
		if deleteKeys(p, "thoughtSignature", "thought_signature") {
			changed = true
		}
		if _, call := p["functionCall"]; call && firstCall && changed {
			p["thoughtSignature"] = jsonString(skipThoughtSignature)
			firstCall = false
		}
		kept = append(kept, p)
	}
	if !changed {
		return true, false, nil
	}
	if len(kept) == 0 {
		return false, true, nil
	}
	m["parts"], _ = json.Marshal(kept)
	return true, true, nil
}
