package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FunctionTool is a tool definition in the schema every trainer format reads:
// a name, a description and the JSON Schema of its parameters. LLaMA-Factory's
// tool formatter reads parameters.properties, so a definition in Anthropic's
// (input_schema) or Gemini's (functionDeclarations) schema fails its converter
// with KeyError 'parameters' (issue 12).
type FunctionTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

// openAITool is a FunctionTool as OpenAI's chat API and fine-tuning files carry it.
type openAITool struct {
	Type     string       `json:"type"`
	Function FunctionTool `json:"function"`
}

// TargetTools turns the tool definitions a request offered, in any dialect, into
// FunctionTools: OpenAI chat ({"type": "function", "function": {…}}), OpenAI
// Responses ({"type": "function", "name", "parameters"}), Anthropic ({"name",
// "input_schema"}) and Gemini ({"functionDeclarations": […]}, whose OpenAPI
// subset types such as "OBJECT" become JSON Schema's "object"). Tools with no
// function to call (Anthropic's server tools, Gemini's googleSearch) are left
// out. A definition without parameters gets an empty object schema. tools "" is
// no tools.
func TargetTools(tools string) ([]FunctionTool, error) {
	tools = strings.TrimSpace(tools)
	if tools == "" {
		return nil, nil
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(tools), &list); err != nil {
		return nil, errors.New("tools is not a JSON array of objects")
	}
	var out []FunctionTool
	for i, t := range list {
		if decls, ok := t["functionDeclarations"]; ok {
			var fs []map[string]json.RawMessage
			if err := json.Unmarshal(decls, &fs); err != nil {
				return nil, fmt.Errorf("tool %d: functionDeclarations is not a list of objects", i+1)
			}
			for _, f := range fs {
				ft, err := functionTool(f, "parameters", true)
				if err != nil {
					return nil, fmt.Errorf("tool %d: %w", i+1, err)
				}
				out = append(out, ft)
			}
			continue
		}
		if fn, ok := t["function"]; ok {
			var f map[string]json.RawMessage
			if err := json.Unmarshal(fn, &f); err != nil {
				return nil, fmt.Errorf("tool %d: function is not an object", i+1)
			}
			t = f
		}
		key := "parameters"
		if _, ok := t["input_schema"]; ok {
			key = "input_schema"
		}
		if _, ok := t[key]; !ok && (!isFunction(t) || t["name"] == nil) {
			continue // a server tool: nothing the model calls by name with arguments
		}
		ft, err := functionTool(t, key, false)
		if err != nil {
			return nil, fmt.Errorf("tool %d: %w", i+1, err)
		}
		out = append(out, ft)
	}
	return out, nil
}

// isFunction reports whether a tool without a schema is still a plain function
// ({"type": "function"} or no type at all, as in a bare Anthropic tool), not a
// server tool ({"type": "web_search_20250305"}, Gemini's {"googleSearch": {}}).
func isFunction(t map[string]json.RawMessage) bool {
	var typ string
	json.Unmarshal(t["type"], &typ)
	return typ == "" || typ == "function" || typ == "custom"
}

func functionTool(t map[string]json.RawMessage, key string, openAPI bool) (FunctionTool, error) {
	var ft FunctionTool
	if json.Unmarshal(t["name"], &ft.Name) != nil || ft.Name == "" {
		return ft, errors.New("a tool has no name")
	}
	json.Unmarshal(t["description"], &ft.Description)
	params := t[key]
	if len(params) == 0 || string(params) == "null" {
		params = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	var schema any
	if err := json.Unmarshal(params, &schema); err != nil {
		return ft, fmt.Errorf("parameters of tool %q are not JSON", ft.Name)
	}
	if _, ok := schema.(map[string]any); !ok {
		return ft, fmt.Errorf("parameters of tool %q are not a JSON object", ft.Name)
	}
	if !openAPI {
		// Kept byte for byte (compacted), so the keys keep the order the client gave.
		var buf bytes.Buffer
		if err := json.Compact(&buf, params); err != nil {
			return ft, fmt.Errorf("parameters of tool %q: %w", ft.Name, err)
		}
		ft.Parameters = buf.Bytes()
		return ft, nil
	}
	b, err := marshalNoEscape(lowerTypes(schema))
	if err != nil {
		return ft, fmt.Errorf("encode parameters of tool %q: %w", ft.Name, err)
	}
	ft.Parameters = b
	return ft, nil
}

// lowerTypes rewrites Gemini's OpenAPI type names ("OBJECT", "STRING") into JSON
// Schema's lower-case ones, at every depth.
func lowerTypes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "type" {
				v[k] = strings.ToLower(s)
				continue
			}
			v[k] = lowerTypes(x)
		}
	case []any:
		for i, x := range v {
			v[i] = lowerTypes(x)
		}
	}
	return v
}

// targetToolsJSON is TargetTools encoded as a JSON array, "" when there are none.
func targetToolsJSON(tools string) (string, error) {
	list, err := TargetTools(tools)
	if err != nil || len(list) == 0 {
		return "", err
	}
	b, err := marshalNoEscape(list)
	if err != nil {
		return "", fmt.Errorf("encode tools: %w", err)
	}
	return string(b), nil
}

// openAITools wraps list in OpenAI's {"type": "function", "function": …} form.
func openAITools(list []FunctionTool) []openAITool {
	if len(list) == 0 {
		return nil
	}
	out := make([]openAITool, len(list))
	for i, f := range list {
		out[i] = openAITool{Type: "function", Function: f}
	}
	return out
}
