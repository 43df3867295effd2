package dataset

import (
	"errors"
	"fmt"
	"strings"
)

// chatMessage is a message of the role/content layouts (openai-jsonl,
// messages-jsonl) before each format's own encoding.
type chatMessage struct {
	Message    // the message it comes from, for its media
	role       Role
	content    string
	name       string
	reasoning  string
	calls      []ToolCall // IDs and arguments filled in
	toolCallID string
	train      bool // assistant turns only
}

// chatMessages maps c onto the role/content layouts, which, unlike ShareGPT, can
// hold what a conversation really was:
//   - Leading system messages are joined with "\n\n" into one; a system message
//     later stays where it is.
//   - The opener (assistant messages before the first user turn, issue 16) stays
//     in its place, not to train on.
//   - An assistant turn marked "don't train" (NoTrain) stays, not to train on.
//   - Tool calls keep their text beside them; a call without an ID (Gemini) gets
//     one, and arguments must be a JSON object ("" counts as {}).
//   - A tool result answers the call with its ID, else the first call still
//     unanswered (Gemini results carry no ID).
//   - Speaker names go into the name field when opt.Names says so (a group chat).
//   - A trailing user turn or tool results have no answer to learn: dropped.
//
// The record needs one assistant turn to train on.
func chatMessages(c Conversation, opt ShareGPTOptions) ([]chatMessage, error) {
	o := SplitOpening(c.Messages)
	named := named(opt.Names, c.Messages)
	var out []chatMessage
	if len(o.System) > 0 {
		out = append(out, chatMessage{role: RoleSystem, content: strings.Join(o.System, "\n\n")})
	}
	for _, m := range o.Opener {
		cm := chatMessage{role: RoleAssistant, content: strings.TrimSpace(m.Content)}
		if named {
			cm.name = m.Name
		}
		if cm.content != "" {
			out = append(out, cm)
		}
	}
	var pending []string // call IDs of the last tool-calling turn not yet answered
	for i, m := range o.Rest {
		pos := o.Offset + i + 1
		cm := chatMessage{Message: m, role: m.Role, content: m.Content}
		switch m.Role {
		case RoleSystem:
			cm.content = strings.TrimSpace(m.Content)
			pending = nil
		case RoleUser:
			cm.content = strings.TrimSpace(m.Content)
			if cm.content == "" {
				return nil, fmt.Errorf("empty user message at position %d", pos)
			}
			if named {
				cm.name = m.Name
			}
			pending = nil
		case RoleAssistant:
			cm.content, cm.reasoning, cm.train = strings.TrimSpace(m.Content), m.Reasoning, !m.NoTrain
			if named {
				cm.name = m.Name
			}
			var err error
			if cm.calls, err = chatCalls(m.ToolCalls, pos); err != nil {
				return nil, err
			}
			if cm.content == "" && len(cm.calls) == 0 {
				return nil, fmt.Errorf("empty assistant message at position %d", pos)
			}
			pending = pending[:0]
			for _, tc := range cm.calls {
				pending = append(pending, tc.ID)
			}
		case RoleTool:
			k := 0
			for j, id := range pending {
				if id == m.ToolCallID {
					k = j
				}
			}
			if len(pending) == 0 {
				return nil, fmt.Errorf("tool result at position %d answers no tool call", pos)
			}
			cm.toolCallID, pending = pending[k], append(pending[:k:k], pending[k+1:]...)
		default:
			return nil, fmt.Errorf("unknown role %q at position %d", m.Role, pos)
		}
		out = append(out, cm)
	}
	for len(out) > 0 && out[len(out)-1].role != RoleAssistant {
		out = out[:len(out)-1]
	}
	for _, m := range out {
		if m.role == RoleAssistant && m.train {
			return out, nil
		}
	}
	return nil, errNoTrainedAnswer
}

// chatRecord is what both role/content layouts start from: c's messages
// (chatMessages) under the reasoning policy (hasField: the format has a field for
// reasoning) and its tools in the target schema.
func chatRecord(c Conversation, opt ShareGPTOptions, hasField bool) ([]chatMessage, []FunctionTool, error) {
	c.Messages = opt.withReasoning(c.Messages, hasField)
	msgs, err := chatMessages(c, opt)
	if err != nil {
		return nil, nil, err
	}
	tools, err := TargetTools(c.Tools)
	return msgs, tools, err
}

// openAIToolCalls writes calls in OpenAI's form, arguments as a JSON string.
func openAIToolCalls(calls []ToolCall) []OpenAIToolCall {
	var out []OpenAIToolCall
	for _, tc := range calls {
		call := OpenAIToolCall{ID: tc.ID, Type: "function"}
		call.Function.Name, call.Function.Arguments = tc.Name, tc.Arguments
		out = append(out, call)
	}
	return out
}

// chatCalls checks the calls of the assistant message at pos and fills in what
// the layouts need: an ID on each call, "{}" for empty arguments.
func chatCalls(calls []ToolCall, pos int) ([]ToolCall, error) {
	if len(calls) == 0 {
		return nil, nil
	}
	out := make([]ToolCall, len(calls))
	for i, tc := range calls {
		if tc.Name == "" {
			return nil, fmt.Errorf("tool call %d at position %d has no name", i+1, pos)
		}
		args := strings.TrimSpace(tc.Arguments)
		if args == "" {
			args = "{}"
		}
		if !isJSONObject(args) {
			return nil, fmt.Errorf("arguments of tool call %q at position %d are not a JSON object", tc.Name, pos)
		}
		if tc.ID == "" {
			tc.ID = fmt.Sprintf("call_%d_%d", pos, i+1)
		}
		tc.Arguments = args
		out[i] = tc
	}
	return out, nil
}

// errEmptyMessages is the validators' reason for a line without messages.
var errEmptyMessages = errors.New("messages is missing or empty")
