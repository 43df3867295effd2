package dataset

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The Anthropic Messages wire format (POST /v1/messages), as Claude clients and
// compatible servers send it: https://docs.anthropic.com/en/api/messages

type anthropicRequest struct {
	Model    string             `json:"model"`
	System   json.RawMessage    `json:"system"` // a string or an array of text blocks
	Messages []anthropicMessage `json:"messages"`
	Tools    json.RawMessage    `json:"tools"`
	Stream   bool               `json:"stream"`
	Metadata *anthropicMetadata `json:"metadata"`
}

type anthropicMetadata struct {
	UserID string `json:"user_id"`
}

type anthropicMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // a string or an array of blocks
}

// anthropicBlock is one content block; which fields are set depends on Type.
type anthropicBlock struct {
	Type string `json:"type"`
	Text string `json:"text"` // text
	// Source is the media of an image or document block.
	Source *anthropicSource `json:"source"`
	// ID, Name and Input describe a tool_use block.
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	// ToolUseID and Content describe a tool_result block.
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	// Thinking and Signature describe a thinking block, Data a redacted_thinking one.
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
	Data      string `json:"data"`
}

type anthropicSource struct {
	Type      string          `json:"type"` // base64, url, text, content or file
	MediaType string          `json:"media_type"`
	Data      string          `json:"data"`
	URL       string          `json:"url"`
	FileID    string          `json:"file_id"`
	Content   json.RawMessage `json:"content"` // a document's own blocks
}

// ParseAnthropic reads an Anthropic Messages exchange. The response may be a message
// object or an event stream; which one is told from the body itself. An empty
// respBody gives a Round with no Answers.
//
// The system prompt becomes one leading system message. A user turn holding
// tool_result blocks becomes one tool message per result, in order, followed by a
// user message with the turn's other blocks when it has any. Text blocks are joined
// with "\n"; thinking blocks go to Reasoning (the first signature is kept) and
// redacted_thinking data to RedactedReasoning. Server-side tool blocks
// (server_tool_use, web_search_tool_result, ...) and other unknown blocks are left
// out. metadata.user_id becomes SessionID. FinishReason keeps Anthropic's stop_reason
// values (end_turn, tool_use, max_tokens, stop_sequence, ...). Usage.PromptTokens
// counts input_tokens plus cache creation and cache read tokens, so that it means, as
// for OpenAI, every token of the prompt.
//
// Errors wrap ErrMalformed (a request that is not Messages JSON) or ErrUpstream (an
// API error in place of the answer, streamed or not).
func ParseAnthropic(reqBody, respBody []byte) (*Round, error) {
	return parseAnthropic(reqBody, respBody, false)
}

// parseAnthropic is ParseAnthropic; owned is ParseOwned's: a message whose content
// is one long string uses reqBody's memory for it.
func parseAnthropic(reqBody, respBody []byte, owned bool) (*Round, error) {
	var req anthropicRequest
	if err := decodeAnthropicRequest(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode anthropic request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:  Anthropic,
		Model:    req.Model,
		Messages: make([]Message, 0, len(req.Messages)+1),
		Answers:  []Message{},
		Stream:   req.Stream,
	}
	if req.Metadata != nil {
		r.SessionID = req.Metadata.UserID
	}
	system, err := anthropicSystem(req.System)
	if err != nil {
		return nil, fmt.Errorf("decode anthropic request system: %w", err)
	}
	if system != "" {
		r.Messages = append(r.Messages, Message{Role: RoleSystem, Content: system})
	}
	for i, m := range req.Messages {
		blocks, err := anthropicBlocksOf(m.Content, owned)
		if err != nil {
			return nil, fmt.Errorf("decode anthropic request message %d: %w", i, err)
		}
		msgs, err := anthropicTurn(anthropicRole(m.Role), blocks)
		if err != nil {
			return nil, fmt.Errorf("decode anthropic request message %d: %w", i, err)
		}
		r.Messages = append(r.Messages, msgs...)
	}
	if r.Tools, err = compactArray(req.Tools); err != nil {
		return nil, fmt.Errorf("decode anthropic request tools: %w", err)
	}
	if err := parseAnthropicResponse(r, respBody); err != nil {
		return nil, err
	}
	return r, nil
}

func anthropicRole(role string) Role {
	switch role {
	case "user":
		return RoleUser
	case "assistant":
		return RoleAssistant
	}
	return Role(role)
}

// anthropicSystem reads the system field: a string or an array of text blocks.
func anthropicSystem(raw json.RawMessage) (string, error) {
	blocks, err := anthropicBlocks(raw)
	if err != nil {
		return "", err
	}
	var texts []string
	for _, b := range blocks {
		if b.Type == "text" {
			texts = append(texts, b.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}

// anthropicBlocks reads a content field: null, a string (one text block), or an
// array of blocks.
func anthropicBlocks(raw json.RawMessage) ([]anthropicBlock, error) {
	return anthropicBlocksOf(raw, false)
}

// anthropicBlocksOf is anthropicBlocks; with owned, a long text (the content as a
// string, or a text block's) uses raw's memory (see ParseOwned).
func anthropicBlocksOf(raw json.RawMessage, owned bool) ([]anthropicBlock, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		s, err := jsonText(raw, owned && len(raw) >= ownedMin)
		if err != nil {
			return nil, err
		}
		return []anthropicBlock{{Type: "text", Text: s}}, nil
	case '[':
		var blocks []anthropicBlock
		if long, ok := lexAnthropicBlocks(raw, &blocks, ownedLongFrom(owned)); ok {
			if err := decodeLong(long, func(i int, s string) { blocks[i].Text = s }); err != nil {
				return nil, fmt.Errorf("content block %w", err)
			}
			return blocks, nil
		}
		blocks = nil
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return nil, fmt.Errorf("content blocks: %w: %w", ErrMalformed, err)
		}
		return blocks, nil
	}
	return nil, fmt.Errorf("content %.20q is neither a string nor an array: %w", raw, ErrMalformed)
}

// anthropicTurn converts the blocks of one turn: a tool message per tool_result
// block, then a message of the turn's role with everything else. That message is
// left out only when the turn held tool results and nothing more.
func anthropicTurn(role Role, blocks []anthropicBlock) ([]Message, error) {
	m := Message{Role: role}
	var texts, thoughts, redacted []string
	var tools []Message
	for i, b := range blocks {
		switch b.Type {
		case "text":
			texts = append(texts, b.Text)
		case "image", "document":
			media, err := b.Source.media(b.Type)
			if err != nil {
				return nil, fmt.Errorf("block %d: %w", i, err)
			}
			m.Media = append(m.Media, media)
		case "tool_use":
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: compactJSONText(b.Input, "{}")})
		case "tool_result":
			t, err := b.toolMessage()
			if err != nil {
				return nil, fmt.Errorf("block %d: %w", i, err)
			}
			tools = append(tools, t)
		case "thinking":
			thoughts = append(thoughts, b.Thinking)
			if m.ReasoningSignature == "" {
				m.ReasoningSignature = b.Signature
			}
		case "redacted_thinking":
			redacted = append(redacted, b.Data)
		}
	}
	m.Content = strings.Join(texts, "\n")
	m.Reasoning = strings.Join(thoughts, "\n")
	m.RedactedReasoning = strings.Join(redacted, "\n")
	if len(tools) > 0 && len(texts) == 0 && len(m.Media) == 0 && len(m.ToolCalls) == 0 &&
		len(thoughts) == 0 && len(redacted) == 0 {
		return tools, nil
	}
	return append(tools, m), nil
}

// toolMessage converts a tool_result block. Its is_error flag is not kept: the
// content already says what went wrong.
func (b *anthropicBlock) toolMessage() (Message, error) {
	blocks, err := anthropicBlocks(b.Content)
	if err != nil {
		return Message{}, fmt.Errorf("tool_result %q: %w", b.ToolUseID, err)
	}
	// A tool result holds text, images and documents. One nested in a tool result
	// is not valid Anthropic: it is dropped, so no input makes the parser recurse.
	blocks = slices.DeleteFunc(blocks, func(b anthropicBlock) bool { return b.Type == "tool_result" })
	msgs, err := anthropicTurn(RoleTool, blocks)
	if err != nil {
		return Message{}, fmt.Errorf("tool_result %q: %w", b.ToolUseID, err)
	}
	m := msgs[len(msgs)-1]
	m.Role = RoleTool
	m.ToolCallID = b.ToolUseID
	return m, nil
}

// media converts the source of an image or document block. A file sent by
// reference to the Files API keeps its file_id as the URL.
func (s *anthropicSource) media(blockType string) (Media, error) {
	m := Media{Kind: "file"}
	if blockType == "image" {
		m.Kind = "image"
	}
	if s == nil {
		return m, nil
	}
	m.MIME = s.MediaType
	switch s.Type {
	case "base64":
		m = inlineMedia(m.Kind, m.MIME, s.Data)
	case "url":
		m.URL = s.URL
	case "file":
		m.URL = s.FileID
	case "text":
		m.Data = []byte(s.Data)
	case "content":
		blocks, err := anthropicBlocks(s.Content)
		if err != nil {
			return Media{}, fmt.Errorf("%s source: %w", blockType, err)
		}
		var texts []string
		for _, b := range blocks {
			if b.Type == "text" {
				texts = append(texts, b.Text)
			}
		}
		m.Data = []byte(strings.Join(texts, "\n"))
	}
	if m.MIME == "" && (s.Type == "text" || s.Type == "content") {
		m.MIME = "text/plain"
	}
	return m, nil
}

// inlineMedia decodes media sent inline as base64 (padded or not, standard or
// URL-safe alphabet, line breaks allowed). Data that is not base64 is kept as it is
// in URL, so nothing the client sent is lost.
func inlineMedia(kind, mime, b64 string) Media {
	s := strings.TrimRight(strings.TrimSpace(b64), "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	data, err := enc.DecodeString(s)
	if err != nil {
		return Media{Kind: kind, MIME: mime, URL: b64}
	}
	return Media{Kind: kind, MIME: mime, Data: data}
}

// compactJSONText returns raw compacted when it is valid JSON, raw as it is when it
// is not (a tool input cut short in a stream), and empty when raw is blank or null.
func compactJSONText(raw []byte, empty string) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return empty
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// compactArray returns a JSON array compacted, or "" when raw is blank, null or
// empty. Anything but an array is ErrMalformed.
func compactArray(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] != '[' {
		return "", fmt.Errorf("not an array: %w", ErrMalformed)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if buf.String() == "[]" {
		return "", nil
	}
	return buf.String(), nil
}
