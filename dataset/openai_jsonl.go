package dataset

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// FormatOpenAIJSONL is one OpenAI chat fine-tuning example per line, the layout
// Azure OpenAI, Together and Fireworks also take: "messages" with "tool_calls"
// (arguments as JSON strings) and "role": "tool" results with "tool_call_id",
// "tools" in OpenAI's function schema, "parallel_tool_calls", and "weight": 0 on
// assistant turns not to train on (an opener, a turn marked "don't train").
const FormatOpenAIJSONL ExportFormat = "openai-jsonl"

// OpenAIRecord is one line of a FormatOpenAIJSONL file.
type OpenAIRecord struct {
	Messages []OpenAIMessage `json:"messages"`
	Tools    []openAITool    `json:"tools,omitempty"`
	// ParallelToolCalls is set with tools: true when a turn makes several calls
	// at once, false otherwise, so the model learns the shape the data has.
	ParallelToolCalls *bool `json:"parallel_tool_calls,omitempty"`
}

// OpenAIMessage is a message of an OpenAIRecord.
type OpenAIMessage struct {
	Role string `json:"role"`
	// Content is null only on an assistant turn that makes tool calls and says
	// nothing beside them.
	Content    *string          `json:"content"`
	Name       string           `json:"name,omitempty"`
	ToolCalls  []OpenAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID string           `json:"tool_call_id,omitempty"`
	// Weight is 0 on an assistant turn not to train on; absent means 1.
	Weight *int `json:"weight,omitempty"`
}

// OpenAIToolCall is a call of an OpenAIMessage; Arguments is the JSON object of
// the arguments as a string, as OpenAI's API sends it.
type OpenAIToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// ToOpenAI turns c into a record that passes ValidateOpenAI, or returns an error
// wrapping ErrInvalidRecord with the reason. The messages map as chatMessages
// says; reasoning has no field in this format and is left out.
func ToOpenAI(c Conversation, opt ShareGPTOptions) (*OpenAIRecord, error) {
	r, err := convertOpenAI(c, opt)
	if err != nil {
		return nil, fmt.Errorf("conversation %d: %w: %w", c.ID, ErrInvalidRecord, err)
	}
	return r.rec.(*OpenAIRecord), nil
}

func convertOpenAI(c Conversation, opt ShareGPTOptions) (converted, error) {
	msgs, tools, err := chatRecord(c, opt)
	if err != nil {
		return converted{}, err
	}
	rec := &OpenAIRecord{Messages: make([]OpenAIMessage, len(msgs)), Tools: openAITools(tools)}
	parallel := false
	for i, m := range msgs {
		om := OpenAIMessage{Role: string(m.role), Name: openAIName(m.name), ToolCallID: m.toolCallID,
			ToolCalls: openAIToolCalls(m.calls)}
		if m.content != "" || len(m.calls) == 0 {
			om.Content = &m.content
		}
		parallel = parallel || len(m.calls) > 1
		if m.role == RoleAssistant && !m.train {
			om.Weight = new(int)
		}
		rec.Messages[i] = om
	}
	if len(rec.Tools) > 0 {
		rec.ParallelToolCalls = &parallel
	}
	b, err := marshalNoEscape(rec)
	if err != nil {
		return converted{}, fmt.Errorf("encode record: %w", err)
	}
	if err := validateOpenAI(b); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: len(msgs) > 0 && msgs[0].role == RoleSystem, tools: len(rec.Tools) > 0}, nil
}

// openAINamePattern is what OpenAI's API takes as a message's name.
var openAINamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// openAIName makes a speaker's name one OpenAI takes: other characters become
// "_" (SillyTavern names have spaces and more), cut at 64 characters.
func openAIName(name string) string {
	if name == "" {
		return ""
	}
	b := []rune(name)
	for i, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 64)])
}

// ValidateOpenAI checks one line of a FormatOpenAIJSONL file against OpenAI's
// fine-tuning format checks, independently of how it was made, and returns an
// error wrapping ErrInvalidRecord with the first rule broken: messages is a
// non-empty list; each message has only known keys and a role of system, user,
// assistant or tool; content is a string (null only beside tool calls); a name
// matches ^[a-zA-Z0-9_-]{1,64}$; weight is 0 or 1 and only on assistant turns;
// tool calls are functions with a name and arguments as a string; a tool message
// answers a call made before it; at least one assistant turn has weight 1; each
// tool is a function with a name.
func ValidateOpenAI(line []byte) error {
	if err := validateOpenAI(line); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return nil
}

type openAIWireMessage map[string]json.RawMessage

func validateOpenAI(line []byte) error {
	var rec struct {
		Messages []openAIWireMessage `json:"messages"`
		Tools    []struct {
			Type     string `json:"type"`
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a JSON record: %w", err)
	}
	if len(rec.Messages) == 0 {
		return errEmptyMessages
	}
	calls := map[string]bool{} // call IDs made and not yet answered
	trained := false
	for i, m := range rec.Messages {
		n := i + 1
		for k := range m {
			switch k {
			case "role", "content", "name", "weight", "tool_calls", "tool_call_id":
			default:
				return fmt.Errorf("message %d has the unrecognized key %q", n, k)
			}
		}
		var role string
		json.Unmarshal(m["role"], &role)
		switch role {
		case "system", "user", "assistant", "tool":
		default:
			return fmt.Errorf("message %d has the role %q, want system, user, assistant or tool", n, role)
		}
		var content *string
		if json.Unmarshal(m["content"], &content) != nil || (content == nil && (role != "assistant" || m["tool_calls"] == nil)) {
			return fmt.Errorf("message %d (%s) has no text content", n, role)
		}
		if raw, ok := m["name"]; ok {
			var name string
			if json.Unmarshal(raw, &name) != nil || !openAINamePattern.MatchString(name) {
				return fmt.Errorf("message %d has a name that is not ^[a-zA-Z0-9_-]{1,64}$", n)
			}
		}
		weight := 1
		if raw, ok := m["weight"]; ok {
			if role != "assistant" {
				return fmt.Errorf("message %d (%s) has a weight, which only assistant messages take", n, role)
			}
			if json.Unmarshal(raw, &weight) != nil || (weight != 0 && weight != 1) {
				return fmt.Errorf("message %d has a weight that is not 0 or 1", n)
			}
		}
		if role == "assistant" && weight == 1 {
			trained = true
		}
		if err := openAICalls(m, n, role, calls); err != nil {
			return err
		}
	}
	if !trained {
		return errNoTrainedAnswer
	}
	for i, t := range rec.Tools {
		if t.Type != "function" || t.Function.Name == "" {
			return fmt.Errorf("tool %d is not a function with a name", i+1)
		}
	}
	return nil
}

// openAICalls checks the tool calls of message n, or that a tool message answers
// one of calls, and keeps calls up to date.
func openAICalls(m openAIWireMessage, n int, role string, calls map[string]bool) error {
	if raw, ok := m["tool_calls"]; ok {
		if role != "assistant" {
			return fmt.Errorf("message %d (%s) has tool_calls", n, role)
		}
		var list []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"function"`
		}
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return fmt.Errorf("message %d: tool_calls is not a non-empty list", n)
		}
		clear(calls)
		for j, c := range list {
			var args string
			switch {
			case c.ID == "" || c.Type != "function" || c.Function.Name == "":
				return fmt.Errorf("message %d: tool call %d is not a function call with an id and a name", n, j+1)
			case json.Unmarshal(c.Function.Arguments, &args) != nil:
				return fmt.Errorf("message %d: the arguments of tool call %q are not a string", n, c.Function.Name)
			}
			calls[c.ID] = true
		}
	}
	if role != "tool" {
		if _, ok := m["tool_call_id"]; ok {
			return fmt.Errorf("message %d (%s) has a tool_call_id", n, role)
		}
		return nil
	}
	var id string
	json.Unmarshal(m["tool_call_id"], &id)
	if !calls[strings.TrimSpace(id)] || id == "" {
		return fmt.Errorf("tool message %d answers no tool call made before it", n)
	}
	delete(calls, id)
	return nil
}
