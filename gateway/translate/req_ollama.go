package translate

import (
	"encoding/json"
	"fmt"
)

// openaiToOllamaRequest rewrites a Chat Completions request for Ollama's native
// /api/chat, which takes images as bare base64 and tool arguments as objects.
func openaiToOllamaRequest(body []byte, model string, stream bool) ([]byte, error) {
	in, err := readOpenAIRequest(body)
	if err != nil {
		return nil, err
	}
	out := olRequest{Model: model, Stream: stream, Tools: in.Tools}
	toolNames := map[string]string{}
	for i, m := range in.Messages {
		parts, err := m.contentParts()
		if err != nil {
			return nil, fmt.Errorf("message %d content: %w", i, err)
		}
		om := olMessage{Role: m.Role}
		switch m.Role {
		case "developer":
			om.Role = "system"
		case "system", "user":
		case "assistant":
			om.Thinking = m.ReasoningContent
			for _, c := range m.ToolCalls {
				toolNames[c.ID] = c.Function.Name
				args := objectOrEmpty(json.RawMessage(c.Function.Arguments))
				if !json.Valid(args) {
					return nil, fmt.Errorf("message %d tool call %s arguments are not JSON", i, c.ID)
				}
				om.ToolCalls = append(om.ToolCalls, olToolCall{Function: olFunctionCall{Name: c.Function.Name, Arguments: args}})
			}
		case "tool":
			om.ToolName = toolNames[m.ToolCallID]
		default:
			return nil, fmt.Errorf("message %d role %q: %w", i, m.Role, ErrUnsupported)
		}
		for _, p := range parts {
			switch p.Type {
			case "text", "refusal":
				if om.Content != "" {
					om.Content += "\n"
				}
				om.Content += p.Text
			case "image_url":
				// Ollama takes inline images only; fetching a URL is I/O this
				// package does not do.
				if p.ImageURL == nil {
					return nil, fmt.Errorf("message %d: image_url part without a url: %w", i, ErrUnsupported)
				}
				_, data, ok := parseDataURL(p.ImageURL.URL)
				if !ok {
					return nil, fmt.Errorf("message %d: ollama takes data: image URLs only: %w", i, ErrUnsupported)
				}
				om.Images = append(om.Images, data)
			default:
				return nil, fmt.Errorf("message %d content part %q: %w", i, p.Type, ErrUnsupported)
			}
		}
		out.Messages = append(out.Messages, om)
	}
	opts := olOptions{Temperature: in.Temperature, TopP: in.TopP, NumPredict: in.MaxCompletionTokens}
	if opts.NumPredict == nil {
		opts.NumPredict = in.MaxTokens
	}
	stop, err := parseStop(in.Stop)
	if err != nil {
		return nil, err
	}
	opts.Stop = stop
	if opts.Temperature != nil || opts.TopP != nil || opts.NumPredict != nil || len(opts.Stop) > 0 {
		out.Options = &opts
	}
	switch in.ReasoningEffort {
	case "":
	case "none":
		out.Think = ptr(false)
	default:
		out.Think = ptr(true)
	}
	rfType, schema, err := parseResponseFormat(in.ResponseFormat)
	if err != nil {
		return nil, err
	}
	switch rfType {
	case "json_object":
		out.Format = jsonString("json")
	case "json_schema":
		out.Format = schema
	}
	return json.Marshal(out)
}
