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
	// Content is a string, a list of OpenAIPart (a user message with images), or
	// null: only on an assistant turn that makes tool calls and says nothing
	// beside them.
	Content    any              `json:"content"`
	Name       string           `json:"name,omitempty"`
	ToolCalls  []OpenAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID string           `json:"tool_call_id,omitempty"`
	// Weight is 0 on an assistant turn not to train on; absent means 1.
	Weight *int `json:"weight,omitempty"`
}

// OpenAIToolCall is a call of an OpenAIMessage; Arguments is the JSON object of
// the arguments as a string, as OpenAI's API sends it.
type OpenAIToolCall struct {
	ID       string `json:"id" parquet:"id"`
	Type     string `json:"type" parquet:"type"`
	Function struct {
		Name      string `json:"name" parquet:"name"`
		Arguments string `json:"arguments" parquet:"arguments"`
	} `json:"function" parquet:"function"`
}

// ToOpenAI turns c into a record that passes ValidateOpenAI, or returns an error
// wrapping ErrInvalidRecord with the reason. The messages map as chatMessages
// says; reasoning has no field in this format and is left out.
func ToOpenAI(c Conversation, opt ShareGPTOptions) (*OpenAIRecord, error) {
	return convertedAs[*OpenAIRecord](c, opt, convertOpenAI)
}

func convertOpenAI(c Conversation, opt ShareGPTOptions) (converted, error) {
	msgs, tools, err := chatRecord(c, opt, false)
	if err != nil {
		return converted{}, err
	}
	rec := &OpenAIRecord{Messages: make([]OpenAIMessage, len(msgs)), Tools: openAITools(tools)}
	parallel := false
	for i, m := range msgs {
		if rec.Messages[i], err = openAIMessage(m, opt.Media, true); err != nil {
			return converted{}, err
		}
		parallel = parallel || len(m.calls) > 1
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

// OpenAIPart is a part of a user message's content that carries images: text, or
// an image by URL (a data: URL for the bytes the client sent inline).
type OpenAIPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url,omitempty"`
}

// openAIMessage writes m in OpenAI's form: the images of a user message as
// image_url parts after its text (through media; none when it is nil), and, with
// weights, weight 0 on an assistant turn not to train on.
func openAIMessage(m chatMessage, media MediaStore, weights bool) (OpenAIMessage, error) {
	om := OpenAIMessage{Role: string(m.role), Name: openAIName(m.name), ToolCallID: m.toolCallID,
		ToolCalls: openAIToolCalls(m.calls)}
	if m.content != "" || len(m.calls) == 0 {
		om.Content = m.content
	}
	if imgs := images(m.Message); media != nil && m.role == RoleUser && len(imgs) > 0 {
		var parts []OpenAIPart
		if m.content != "" {
			parts = append(parts, OpenAIPart{Type: "text", Text: m.content})
		}
		for _, im := range imgs {
			u, err := media.DataURL(im)
			if err != nil {
				return om, fmt.Errorf("image of a user message: %w", err)
			}
			p := OpenAIPart{Type: "image_url", ImageURL: &struct {
				URL string `json:"url"`
			}{u}}
			parts = append(parts, p)
		}
		om.Content = parts
	}
	if weights && m.role == RoleAssistant && !m.train {
		om.Weight = new(int)
	}
	return om, nil
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
// assistant or tool; content is a string (null only beside tool calls; a list of
// text and image_url parts, with data: or http(s) URLs, on a user message); a name
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
		if err := openAIContent(m, n, role); err != nil {
			return err
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

// openAIContent checks the content of message n: a string; null only beside
// tool calls; on a user message, a list of text and image_url parts.
func openAIContent(m openAIWireMessage, n int, role string) error {
	raw := m["content"]
	if len(raw) > 0 && raw[0] == '[' && role == "user" {
		var parts []struct {
			Type     string  `json:"type"`
			Text     *string `json:"text"`
			ImageURL *struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		if json.Unmarshal(raw, &parts) != nil || len(parts) == 0 {
			return fmt.Errorf("message %d (%s): content is not a list of parts", n, role)
		}
		for j, p := range parts {
			switch {
			case p.Type == "text" && p.Text != nil:
			case p.Type == "image_url" && p.ImageURL != nil && (strings.HasPrefix(p.ImageURL.URL, "data:image/") ||
				strings.HasPrefix(p.ImageURL.URL, "https://") || strings.HasPrefix(p.ImageURL.URL, "http://")):
			default:
				return fmt.Errorf("message %d (%s): part %d is not text or an image_url with a data: or http(s) URL", n, role, j+1)
			}
		}
		return nil
	}
	var content *string
	if json.Unmarshal(raw, &content) != nil || (content == nil && (role != "assistant" || m["tool_calls"] == nil)) {
		return fmt.Errorf("message %d (%s) has no text content", n, role)
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
