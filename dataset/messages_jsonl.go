package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// FormatMessagesJSONL is one conversation per line in the role/content layout
// that axolotl's chat_template, TRL's SFTTrainer and Unsloth read: "messages"
// (role, content, name for speakers, tool_calls with arguments as JSON strings,
// tool_call_id, reasoning_content, and a "train" flag on assistant turns) and
// "tools" as a JSON string.
const FormatMessagesJSONL ExportFormat = "messages-jsonl"

// MessagesRecord is one line of a FormatMessagesJSONL file.
type MessagesRecord struct {
	Messages []MessagesMessage `json:"messages" parquet:"messages,list"`
	// Tools is the JSON array of tool definitions in OpenAI's function schema,
	// "" when none were offered.
	Tools string `json:"tools,omitempty" parquet:"tools,optional"`
	// Score is the conversation's quality score, 1 to MaxScore; 0 (unrated) is
	// left out (score.go).
	Score int `json:"score,omitempty" parquet:"score,optional"`
}

// MessagesMessage is a message of a MessagesRecord. Content is always a string
// ("" beside tool calls): chat templates render it without a None check.
type MessagesMessage struct {
	Role             string           `json:"role" parquet:"role"`
	Content          string           `json:"content" parquet:"content"`
	Name             string           `json:"name,omitempty" parquet:"name,optional"`
	ReasoningContent string           `json:"reasoning_content,omitempty" parquet:"reasoning_content,optional"`
	ToolCalls        []OpenAIToolCall `json:"tool_calls,omitempty" parquet:"tool_calls,optional,list"`
	ToolCallID       string           `json:"tool_call_id,omitempty" parquet:"tool_call_id,optional"`
	// Train is set on assistant turns: false for an opener and a turn marked
	// "don't train" (axolotl's message_field_training reads it).
	Train *bool `json:"train,omitempty" parquet:"train,optional"`
}

// ToMessages turns c into a record that passes ValidateMessages, or returns an
// error wrapping ErrInvalidRecord with the reason. The messages map as
// chatMessages says, reasoning kept as reasoning_content.
func ToMessages(c Conversation, opt ShareGPTOptions) (*MessagesRecord, error) {
	return convertedAs[*MessagesRecord](c, opt, convertMessages)
}

func convertMessages(c Conversation, opt ShareGPTOptions) (converted, error) {
	msgs, tools, err := chatRecord(c, opt, true)
	if err != nil {
		return converted{}, err
	}
	rec := &MessagesRecord{Messages: make([]MessagesMessage, len(msgs)), Score: scoreOf(c)}
	if rec.Tools, err = toolsString(tools); err != nil {
		return converted{}, err
	}
	for i, m := range msgs {
		rec.Messages[i] = messagesMessage(m, true)
	}
	b, err := marshalNoEscape(rec)
	if err != nil {
		return converted{}, fmt.Errorf("encode record: %w", err)
	}
	if err := validateMessages(b); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: len(msgs) > 0 && msgs[0].role == RoleSystem, tools: rec.Tools != ""}, nil
}

// toolsString is tools in OpenAI's function form as a JSON string, the tools
// column of the messages layouts; "" for none.
func toolsString(tools []FunctionTool) (string, error) {
	if len(tools) == 0 {
		return "", nil
	}
	b, err := marshalNoEscape(openAITools(tools))
	if err != nil {
		return "", fmt.Errorf("encode tools: %w", err)
	}
	return string(b), nil
}

// messagesMessage writes m in the role/content layout, with a train flag on an
// assistant turn when train is set.
func messagesMessage(m chatMessage, train bool) MessagesMessage {
	mm := MessagesMessage{Role: string(m.role), Content: m.content, Name: m.name,
		ReasoningContent: strings.TrimSpace(m.reasoning), ToolCallID: m.toolCallID, ToolCalls: openAIToolCalls(m.calls)}
	if train && m.role == RoleAssistant {
		t := m.train
		mm.Train = &t
	}
	return mm
}

// ValidateMessages checks one line of a FormatMessagesJSONL file against what
// axolotl's chat_template loader and TRL read, independently of how it was made,
// and returns an error wrapping ErrInvalidRecord with the first rule broken:
// messages is a non-empty list; each role is system, user, assistant or tool;
// content is a string; train, when set, is a boolean on an assistant turn; tool
// calls are functions with a name and arguments a string holding a JSON object;
// a tool message answers a call made before it; at least one assistant turn is
// trained on; tools, when set, is a string holding a JSON array of functions with
// a name and object parameters.
func ValidateMessages(line []byte) error {
	if err := validateMessages(line); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return nil
}

func validateMessages(line []byte) error {
	var rec struct {
		Messages []openAIWireMessage `json:"messages"`
		Tools    json.RawMessage     `json:"tools"`
		Score    *int                `json:"score"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a JSON record: %w", err)
	}
	if err := checkScore(rec.Score); err != nil {
		return err
	}
	if len(rec.Messages) == 0 {
		return errEmptyMessages
	}
	calls := map[string]bool{}
	trained := false
	for i, m := range rec.Messages {
		n := i + 1
		var role, content string
		json.Unmarshal(m["role"], &role)
		switch role {
		case "system", "user", "assistant", "tool":
		default:
			return fmt.Errorf("message %d has the role %q, want system, user, assistant or tool", n, role)
		}
		if raw := m["content"]; raw == nil || string(raw) == "null" || json.Unmarshal(raw, &content) != nil {
			return fmt.Errorf("message %d (%s) has no string content", n, role)
		}
		train := true
		if raw, ok := m["train"]; ok {
			if role != "assistant" || json.Unmarshal(raw, &train) != nil {
				return fmt.Errorf("message %d (%s): train must be a boolean on an assistant message", n, role)
			}
		}
		trained = trained || (role == "assistant" && train)
		if err := openAICalls(withoutKey(m, "train", "reasoning_content"), n, role, calls); err != nil {
			return err
		}
		if raw, ok := m["tool_calls"]; ok {
			var list []OpenAIToolCall
			json.Unmarshal(raw, &list)
			for _, c := range list {
				if !isJSONObject(c.Function.Arguments) {
					return fmt.Errorf("message %d: the arguments of tool call %q are not a JSON object", n, c.Function.Name)
				}
			}
		}
	}
	if !trained {
		return errNoTrainedAnswer
	}
	if rec.Tools != nil {
		var tools string
		if json.Unmarshal(rec.Tools, &tools) != nil {
			return errors.New("tools is not a string holding a JSON array")
		}
		return validateToolsString(tools)
	}
	return nil
}

func withoutKey(m openAIWireMessage, keys ...string) openAIWireMessage {
	out := make(openAIWireMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// validateToolsString checks a tools column: a JSON array of functions with a
// name and object parameters, in OpenAI's form or the flat one.
func validateToolsString(s string) error {
	var list []struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters"`
		Function   *struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	if json.Unmarshal([]byte(s), &list) != nil {
		return errors.New("tools is not a JSON array of tools")
	}
	for i, t := range list {
		name, params := t.Name, t.Parameters
		if t.Function != nil {
			name, params = t.Function.Name, t.Function.Parameters
		}
		if name == "" || !isJSONObject(string(params)) {
			return fmt.Errorf("tool %d has no name or no parameters object", i+1)
		}
	}
	return nil
}

// messagesSidecars are the config snippets that load a FormatMessagesJSONL file
// named name: axolotl's datasets entry (chat_template, training on assistant turns
// whose train flag is not false) and LLaMA-Factory's dataset_info.json entry
// (sharegpt formatting with role tags).
func messagesSidecars(name string) []Sidecar {
	quoted, _ := marshalNoEscape(name) // a JSON string is a YAML string too
	yaml := "# axolotl: the datasets entry that loads " + string(quoted) + " (llmtap messages-jsonl).\n" +
		"datasets:\n" +
		"  - path: " + string(quoted) + "\n" +
		"    ds_type: json\n" +
		"    type: chat_template\n" +
		"    field_messages: messages\n" +
		"    message_property_mappings:\n" +
		"      role: role\n" +
		"      content: content\n" +
		"    roles_to_train: [\"assistant\"]\n" +
		"    message_field_training: train\n"
	entry := map[string]any{
		strings.TrimSuffix(name, path.Ext(name)): map[string]any{
			"file_name":  name,
			"formatting": "sharegpt",
			"columns":    map[string]string{"messages": "messages", "tools": "tools"},
			"tags": map[string]string{"role_tag": "role", "content_tag": "content", "user_tag": "user",
				"assistant_tag": "assistant", "system_tag": "system", "observation_tag": "tool"},
		},
	}
	info, _ := json.MarshalIndent(entry, "", "  ") // maps of strings always encode
	return []Sidecar{{Suffix: ".axolotl.yaml", Data: []byte(yaml)}, {Suffix: ".dataset_info.json", Data: append(info, '\n')}}
}
