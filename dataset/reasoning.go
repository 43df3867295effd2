package dataset

import (
	"fmt"
	"strings"
)

// ReasoningMode says what an export does with the reasoning of an answer
// (Message.Reasoning: DeepSeek reasoning_content, Anthropic thinking and the like).
type ReasoningMode string

// The reasoning modes. The zero value is ReasoningAuto.
const (
	// ReasoningAuto is ReasoningField for a format with a reasoning field
	// (messages-jsonl's reasoning_content) and ReasoningDrop for the others.
	ReasoningAuto ReasoningMode = ""
	// ReasoningDrop leaves reasoning out.
	ReasoningDrop ReasoningMode = "drop"
	// ReasoningInline writes it at the start of the answer as "<think>…</think>",
	// the way DeepSeek-R1 and Qwen3 chat templates render it.
	ReasoningInline ReasoningMode = "inline"
	// ReasoningField keeps it in the format's own field; in a format without one it
	// is dropped.
	ReasoningField ReasoningMode = "field"
)

// ParseReasoningMode reads a reasoning mode; "" and "auto" are ReasoningAuto.
func ParseReasoningMode(s string) (ReasoningMode, error) {
	switch m := ReasoningMode(s); m {
	case "", "auto":
		return ReasoningAuto, nil
	case ReasoningDrop, ReasoningInline, ReasoningField:
		return m, nil
	}
	return "", fmt.Errorf("reasoning %q: must be %s, %s or %s", s, ReasoningDrop, ReasoningInline, ReasoningField)
}

// thinkText is an answer's text with its reasoning in front, as reasoning models
// write it.
func thinkText(reasoning, content string) string {
	return "<think>\n" + strings.TrimSpace(reasoning) + "\n</think>\n\n" + strings.TrimSpace(content)
}

// withReasoning returns msgs with opt's reasoning policy applied: the reasoning of
// every assistant message but the last is cleared (unless opt.ReasoningHistory),
// and what is left is inlined, kept (hasField under ReasoningField or
// ReasoningAuto) or cleared. msgs is not changed; the result shares it when
// nothing changes.
func (opt ShareGPTOptions) withReasoning(msgs []Message, hasField bool) []Message {
	last := -1
	for i, m := range msgs {
		if m.Role == RoleAssistant {
			last = i
		}
	}
	var out []Message
	for i, m := range msgs {
		if m.Role != RoleAssistant || strings.TrimSpace(m.Reasoning) == "" {
			continue
		}
		keep := i == last || opt.ReasoningHistory
		r := opt.applyReasoning(m, keep, hasField)
		if r.Reasoning == m.Reasoning && r.Content == m.Content {
			continue
		}
		if out == nil {
			out = append([]Message(nil), msgs...)
		}
		out[i] = r
	}
	if out == nil {
		return msgs
	}
	return out
}

// applyReasoning is m with its reasoning inlined, kept or cleared: cleared when
// !keep, else as opt.Reasoning says.
func (opt ShareGPTOptions) applyReasoning(m Message, keep, hasField bool) Message {
	if strings.TrimSpace(m.Reasoning) == "" {
		m.Reasoning = ""
		return m
	}
	mode := opt.Reasoning
	if mode == ReasoningAuto {
		mode = ReasoningField
	}
	switch {
	case !keep, mode == ReasoningDrop, mode == ReasoningField && !hasField:
		m.Reasoning = ""
	case mode == ReasoningInline:
		m.Content, m.Reasoning = thinkText(m.Reasoning, m.Content), ""
	}
	return m
}

// pairReasoning is p with the policy applied: the history is an earlier context,
// whose reasoning goes only under opt.ReasoningHistory; both answers are learned.
func (opt ShareGPTOptions) pairReasoning(p PreferencePair, hasField bool) PreferencePair {
	hist := make([]Message, len(p.History))
	for i, m := range p.History {
		if m.Role == RoleAssistant {
			m = opt.applyReasoning(m, opt.ReasoningHistory, hasField)
		}
		hist[i] = m
	}
	p.History = hist
	p.Chosen = opt.applyReasoning(p.Chosen, true, hasField)
	p.Rejected = opt.applyReasoning(p.Rejected, true, hasField)
	return p
}
