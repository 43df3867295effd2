package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The OpenAI Responses API wire format (POST /v1/responses), as OpenAI, Azure,
// OpenRouter, vLLM and Ollama serve it:
// https://platform.openai.com/docs/api-reference/responses

type responsesRequest struct {
	Model              string          `json:"model"`
	Input              json.RawMessage `json:"input"`        // a string or a list of items
	Instructions       json.RawMessage `json:"instructions"` // a string (a list of items in stored prompts)
	Tools              json.RawMessage `json:"tools"`
	PreviousResponseID string          `json:"previous_response_id"`
	Stream             bool            `json:"stream"`
}

// responsesItem is one input or output item. Which fields are used depends on Type:
// "message" (or "" for the short {role, content} form), "function_call",
// "function_call_output", "custom_tool_call", "custom_tool_call_output",
// "reasoning". Other types (built-in tool calls, item_reference) are skipped.
type responsesItem struct {
	Type             string          `json:"type"`
	ID               string          `json:"id,omitempty"`
	Role             string          `json:"role,omitempty"`
	Content          json.RawMessage `json:"content,omitempty"` // a string or a list of parts
	CallID           string          `json:"call_id,omitempty"`
	Name             string          `json:"name,omitempty"`
	Arguments        openaiArgs      `json:"arguments,omitempty"`
	Input            string          `json:"input,omitempty"`  // custom_tool_call
	Output           json.RawMessage `json:"output,omitempty"` // a string or a list of parts
	Summary          []responsesPart `json:"summary,omitempty"`
	EncryptedContent string          `json:"encrypted_content,omitempty"`
}

type responsesPart struct {
	// Type is "input_text", "output_text", "refusal", "input_image", "input_file",
	// "input_audio", "summary_text" or "reasoning_text".
	Type       string `json:"type"`
	Text       string `json:"text,omitempty"`
	Refusal    string `json:"refusal,omitempty"`
	ImageURL   string `json:"image_url,omitempty"` // an https:// or data: URL
	FileID     string `json:"file_id,omitempty"`
	FileData   string `json:"file_data,omitempty"` // a data: URL or bare base64
	FileURL    string `json:"file_url,omitempty"`
	InputAudio *struct {
		Data   string `json:"data"`
		Format string `json:"format"`
	} `json:"input_audio,omitempty"`
}

// ParseOpenAIResponses reads an OpenAI Responses API exchange. The request's
// instructions become a leading system message and its input (a string or a list
// of items) the history; previous_response_id is kept in PreviousResponseID, since
// the history it stands for lives on the provider's side. The response may be a
// Response object or its event stream; all output items of one response merge
// into a single Answer, and its id is kept in ResponseID. An empty respBody gives
// a Round with no Answers. Errors wrap ErrMalformed or ErrUpstream (an error body,
// an "error" event, or a response whose status is "failed").
func ParseOpenAIResponses(reqBody, respBody []byte) (*Round, error) {
	var req responsesRequest
	if err := json.Unmarshal(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode openai responses request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:            OpenAIResponses,
		Model:              req.Model,
		Messages:           []Message{},
		Answers:            []Message{},
		Stream:             req.Stream,
		PreviousResponseID: req.PreviousResponseID,
	}
	instructions, err := responsesInput(req.Instructions, RoleSystem)
	if err != nil {
		return nil, fmt.Errorf("decode openai responses request instructions: %w", err)
	}
	input, err := responsesInput(req.Input, RoleUser)
	if err != nil {
		return nil, fmt.Errorf("decode openai responses request input: %w", err)
	}
	r.Messages = append(append(r.Messages, instructions...), input...)
	if r.Tools, err = openaiTools(req.Tools, nil); err != nil {
		return nil, fmt.Errorf("decode openai responses request tools: %w", err)
	}
	if err := parseResponsesBody(r, respBody); err != nil {
		return nil, err
	}
	return r, nil
}

// responsesInput reads an input or instructions field: null, a string (one
// message of role), or a list of items.
func responsesInput(raw json.RawMessage, role Role) ([]Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return []Message{{Role: role, Content: s}}, nil
	case '[':
		var items []responsesItem
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("items: %w: %w", ErrMalformed, err)
		}
		return responsesMessages(items)
	}
	return nil, fmt.Errorf("%.20q is neither a string nor a list: %w", raw, ErrMalformed)
}

// responsesMessages turns items into messages. Consecutive assistant-side items
// (assistant messages, function calls, reasoning) merge into one assistant
// message, as a Chat Completions assistant turn carries text, reasoning and calls
// together; the same rule reads a response's output, so an answer matches the
// items a client sends back with its next request.
func responsesMessages(items []responsesItem) ([]Message, error) {
	var (
		msgs []Message
		open = -1 // the index in msgs of the assistant message items merge into
	)
	assistant := func() *Message {
		if open < 0 {
			msgs = append(msgs, Message{Role: RoleAssistant})
			open = len(msgs) - 1
		}
		return &msgs[open]
	}
	for i, it := range items {
		switch it.Type {
		case "message", "":
			if it.Role == "" {
				continue // not a message in any form we know
			}
			text, media, err := responsesContent(it.Content)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			if role := openaiRole(it.Role); role != RoleAssistant {
				msgs, open = append(msgs, Message{Role: role, Content: text, Media: media}), -1
				continue
			}
			m := assistant()
			m.Content = joinText(m.Content, text, "\n")
			m.Media = append(m.Media, media...)
		case "function_call", "custom_tool_call":
			args := string(it.Arguments)
			if it.Type == "custom_tool_call" {
				args = it.Input // free text, not JSON
			}
			m := assistant()
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: it.CallID, Name: it.Name, Arguments: args})
		case "reasoning":
			text, _, err := responsesContent(it.Content)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			if text == "" {
				var summary []string
				for _, p := range it.Summary {
					summary = append(summary, p.Text)
				}
				text = strings.Join(summary, "\n\n")
			}
			m := assistant()
			m.Reasoning = joinText(m.Reasoning, text, "\n\n")
			m.RedactedReasoning = joinText(m.RedactedReasoning, it.EncryptedContent, "\n")
		case "function_call_output", "custom_tool_call_output":
			text, media, err := responsesToolOutput(it.Output)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			msgs, open = append(msgs, Message{Role: RoleTool, Content: text, Media: media, ToolCallID: it.CallID}), -1
		}
	}
	return msgs, nil
}

// responsesContent reads a message's content: a string, or parts whose text is
// joined with "\n" and whose images, files and audio become Media.
func responsesContent(raw json.RawMessage) (string, []Media, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return openaiContent(raw, false) // null or a string; anything else is malformed
	}
	var parts []responsesPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, fmt.Errorf("content parts: %w: %w", ErrMalformed, err)
	}
	var (
		texts []string
		media []Media
	)
	for _, p := range parts {
		switch p.Type {
		case "input_text", "output_text", "text", "reasoning_text", "summary_text":
			texts = append(texts, p.Text)
		case "refusal":
			texts = append(texts, p.Refusal)
		case "input_image":
			media = append(media, mediaFromURL("image", firstNonEmpty(p.ImageURL, p.FileID)))
		case "input_file":
			switch {
			case p.FileData != "":
				media = append(media, mediaFromBase64("file", "", p.FileData))
			default:
				media = append(media, Media{Kind: "file", URL: firstNonEmpty(p.FileURL, p.FileID)})
			}
		case "input_audio":
			if p.InputAudio != nil {
				media = append(media, mediaFromBase64("audio", audioMIME(p.InputAudio.Format), p.InputAudio.Data))
			}
		}
	}
	return strings.Join(texts, "\n"), media, nil
}

// responsesToolOutput reads a function_call_output's output: a string, a list of
// parts, or (from lenient servers) any other JSON, kept as its text.
func responsesToolOutput(raw json.RawMessage) (string, []Media, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] != '"' && raw[0] != '[' && !bytes.Equal(raw, []byte("null")) {
		return string(raw), nil, nil
	}
	return responsesContent(raw)
}

// joinText joins two texts with sep, leaving out an empty one.
func joinText(a, b, sep string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + sep + b
}
