package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// The OpenAI Chat Completions wire format, as clients and compatible servers
// (DeepSeek, vLLM, llama.cpp, Ollama's /v1) send it:
// https://platform.openai.com/docs/api-reference/chat

type openaiRequest struct {
	Model     string            `json:"model"`
	Messages  []openaiMessage   `json:"messages"`
	Tools     json.RawMessage   `json:"tools"`
	Functions []json.RawMessage `json:"functions"` // legacy, before tools
	Stream    bool              `json:"stream"`
	// ContinueFinalMessage is vLLM's switch for continuing the last assistant message.
	ContinueFinalMessage bool `json:"continue_final_message"`
}

type openaiMessage struct {
	Role    string            `json:"role"`
	Content openaiContentJSON `json:"content"` // a string, null, or an array of parts
	// ReasoningContent is DeepSeek's field; Reasoning is OpenRouter's and vLLM's.
	ReasoningContent string `json:"reasoning_content"`
	Reasoning        string `json:"reasoning"`
	// ReasoningDetails is OpenRouter's structured reasoning, sent beside Reasoning.
	ReasoningDetails []openaiReasoningDetail `json:"reasoning_details"`
	ToolCalls        []openaiToolCall        `json:"tool_calls"`
	FunctionCall     *openaiFunction         `json:"function_call"` // legacy, before tool_calls
	ToolCallID       string                  `json:"tool_call_id"`
	Name             string                  `json:"name"`
	// Prefix is DeepSeek's beta "continue this assistant message" flag.
	Prefix bool `json:"prefix"`
}

// openaiContentJSON is a message's content as decoded from the wire. A plain
// string (nothing escaped) is kept as its text, copied once out of the body, and
// not as raw JSON first: a 30 MB message was held twice. Anything else is kept raw
// for openaiContent.
type openaiContentJSON struct {
	text  string
	plain bool
	raw   json.RawMessage
	owned bool // raw is in a body the parse owns (ParseOwned): a long text may use its memory
}

// UnmarshalJSON implements json.Unmarshaler. b is valid JSON (the decoder checked
// it), so a string without a backslash needs no decoding.
func (c *openaiContentJSON) UnmarshalJSON(b []byte) error {
	if !c.setPlain(b) {
		c.text, c.plain, c.raw = "", false, append(c.raw[:0], b...)
	}
	return nil
}

// keep is UnmarshalJSON for a reader that holds b while the content is read (the
// lexer's path, parseOpenAIObject): raw is b itself, not a copy of it. owned says
// b is in a body the parse owns (see ParseOwned).
func (c *openaiContentJSON) keep(b []byte, owned bool) {
	c.owned = owned
	if !c.setPlain(b) {
		c.text, c.plain, c.raw = "", false, b
	}
}

// setPlain keeps b's text when b is a plain string (nothing escaped), and reports
// whether it was. A long one in an owned body is that body's bytes, not a copy.
func (c *openaiContentJSON) setPlain(b []byte) bool {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		if c.owned && n-2 >= ownedMin {
			c.text = unsafe.String(&b[1], n-2)
		} else {
			c.text = string(b[1 : n-1])
		}
		c.plain, c.raw = true, nil
		return true
	}
	return false
}

// Equal reports whether c and o were decoded from the same JSON (for go-cmp).
func (c openaiContentJSON) Equal(o openaiContentJSON) bool {
	return c.text == o.text && c.plain == o.plain && bytes.Equal(c.raw, o.raw)
}

// read returns the content's text and media (see openaiContent).
func (c *openaiContentJSON) read() (string, []Media, error) {
	if c.plain {
		return c.text, nil, nil
	}
	return openaiContent(c.raw, c.owned)
}

type openaiPart struct {
	Type       string            `json:"type"`
	Text       string            `json:"text"`
	ImageURL   *openaiImageURL   `json:"image_url"`
	InputAudio *openaiInputAudio `json:"input_audio"`
	File       *openaiFile       `json:"file"`
}

type openaiImageURL struct {
	URL string `json:"url"`
}

type openaiInputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"` // "wav", "mp3"
}

type openaiFile struct {
	FileData string `json:"file_data"` // a data: URL
	FileID   string `json:"file_id"`
	Filename string `json:"filename"`
}

// keep appends what the part contributes to a content: its text, or its medium.
func (part *openaiPart) keep(texts []string, media []Media) ([]string, []Media) {
	switch {
	case part.Type == "text" || part.Type == "" && part.Text != "":
		texts = append(texts, part.Text)
	case part.ImageURL != nil:
		media = append(media, mediaFromURL("image", part.ImageURL.URL))
	case part.InputAudio != nil:
		media = append(media, mediaFromBase64("audio", audioMIME(part.InputAudio.Format), part.InputAudio.Data))
	case part.File != nil && part.File.FileData != "":
		media = append(media, mediaFromURL("file", part.File.FileData))
	case part.File != nil && part.File.FileID != "":
		media = append(media, Media{Kind: "file", URL: part.File.FileID})
	}
	return texts, media
}

// openaiReasoningDetail is one entry of OpenRouter's reasoning_details:
// https://openrouter.ai/docs/use-cases/reasoning-tokens
type openaiReasoningDetail struct {
	Type      string `json:"type"` // "reasoning.text", "reasoning.summary", "reasoning.encrypted"
	Text      string `json:"text"`
	Summary   string `json:"summary"`
	Data      string `json:"data"`
	Signature string `json:"signature"`
}

// reasoningParts sums up reasoning_details: the readable text (reasoning.text and
// reasoning.summary), the encrypted blobs joined with "\n", and the last signature.
func reasoningParts(details []openaiReasoningDetail) (text, redacted, signature string) {
	var texts, blobs []string
	for _, d := range details {
		switch d.Type {
		case "reasoning.text":
			texts = append(texts, d.Text)
		case "reasoning.summary":
			texts = append(texts, d.Summary)
		case "reasoning.encrypted":
			blobs = append(blobs, d.Data)
		}
		if d.Signature != "" {
			signature = d.Signature
		}
	}
	return strings.Join(texts, ""), strings.Join(blobs, "\n"), signature
}

type openaiToolCall struct {
	Index    *int           `json:"index"` // only in stream deltas
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Function openaiFunction `json:"function"`
}

type openaiFunction struct {
	Name      string     `json:"name"`
	Arguments openaiArgs `json:"arguments"`
}

// openaiArgs is the arguments of a function call. OpenAI sends a JSON string holding
// JSON; some compatible servers send the object itself, which is kept as its text.
type openaiArgs string

func (a *openaiArgs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*a = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = openaiArgs(s)
	default:
		*a = openaiArgs(b)
	}
	return nil
}

type openaiUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// PromptTokensDetails carries OpenAI's cached tokens; DeepSeek reports them as
	// PromptCacheHitTokens instead.
	PromptTokensDetails  *openaiTokenDetails `json:"prompt_tokens_details"`
	PromptCacheHitTokens int                 `json:"prompt_cache_hit_tokens"`
}

type openaiTokenDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

func (u *openaiUsage) usage() Usage {
	if u == nil {
		return Usage{}
	}
	cached := u.PromptCacheHitTokens
	if d := u.PromptTokensDetails; d != nil && d.CachedTokens > 0 {
		cached = d.CachedTokens
	}
	return Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		CachedTokens: cached}
}

// ParseOpenAIChat reads an OpenAI Chat Completions exchange. The response may be a
// chat.completion JSON object or a stream of chat.completion.chunk events; which one
// is told from the body itself. An empty respBody gives a Round with no Answers.
// Errors wrap ErrMalformed (a request that is not Chat Completions JSON) or
// ErrUpstream (an API error in place of the answer).
func ParseOpenAIChat(reqBody, respBody []byte) (*Round, error) {
	return parseOpenAIChat(reqBody, respBody, false)
}

// parseOpenAIChat is ParseOpenAIChat; owned is ParseOwned's.
func parseOpenAIChat(reqBody, respBody []byte, owned bool) (*Round, error) {
	var req openaiRequest
	if err := decodeOpenAIRequest(reqBody, &req, owned); err != nil {
		return nil, fmt.Errorf("decode openai chat request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:  OpenAIChat,
		Model:    req.Model,
		Messages: make([]Message, 0, len(req.Messages)),
		Answers:  []Message{},
		Stream:   req.Stream,
	}
	for i, m := range req.Messages {
		msg, err := m.message()
		if err != nil {
			return nil, fmt.Errorf("decode openai chat request message %d: %w", i, err)
		}
		r.Messages = append(r.Messages, msg)
	}
	tools, err := openaiTools(req.Tools, req.Functions)
	if err != nil {
		return nil, fmt.Errorf("decode openai chat request tools: %w", err)
	}
	r.Tools = tools
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "assistant" {
		r.Prefill = req.ContinueFinalMessage || req.Messages[n-1].Prefix
	}
	if err := parseOpenAIResponse(r, respBody); err != nil {
		return nil, err
	}
	return r, nil
}

// message converts one request message (or a non-stream answer) to the model.
func (m *openaiMessage) message() (Message, error) {
	content, media, err := m.Content.read()
	if err != nil {
		return Message{}, err
	}
	text, redacted, signature := reasoningParts(m.ReasoningDetails)
	msg := Message{
		Role:               openaiRole(m.Role),
		Content:            content,
		Media:              media,
		Reasoning:          firstNonEmpty(m.ReasoningContent, m.Reasoning, text),
		ReasoningSignature: signature,
		RedactedReasoning:  redacted,
		ToolCallID:         m.ToolCallID,
		Name:               m.Name,
	}
	for _, tc := range m.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: string(tc.Function.Arguments)})
	}
	if m.FunctionCall != nil && len(msg.ToolCalls) == 0 {
		msg.ToolCalls = []ToolCall{{Name: m.FunctionCall.Name, Arguments: string(m.FunctionCall.Arguments)}}
	}
	if msg.Role == RoleAssistant {
		splitThink(&msg)
	}
	return msg, nil
}

func openaiRole(role string) Role {
	switch role {
	case "system", "developer":
		return RoleSystem
	case "tool", "function": // "function" is the legacy role for a function's result
		return RoleTool
	}
	return Role(role)
}

// openaiContent reads a content field: a string, null, or an array of parts whose
// text parts are joined with "\n". Image, audio and file parts become Media, in order.
func openaiContent(raw json.RawMessage, owned bool) (string, []Media, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil, nil
	}
	switch raw[0] {
	case '"':
		s, err := jsonText(raw, owned && len(raw) >= ownedMin)
		return s, nil, err
	case '[':
		if texts, media, long, ok := lexOpenAIParts(raw, ownedLongFrom(owned)); ok {
			if err := decodeLong(long, func(i int, s string) { texts[i] = s }); err != nil {
				return "", nil, fmt.Errorf("content part %w", err)
			}
			return strings.Join(texts, "\n"), media, nil
		}
		return jsonOpenAIParts(raw)
	}
	return "", nil, fmt.Errorf("content %.20q is neither a string nor an array: %w", raw, ErrMalformed)
}

// inPlaceSafe reports whether raw is one JSON string of valid UTF-8 that the lexer
// decodes without a fault: decoding it where it lies cannot then stop halfway, and
// leave neither the JSON for encoding/json to read instead nor the text.
func inPlaceSafe(raw []byte) bool {
	l := jsonLexer{b: raw}
	return len(raw) > 0 && raw[0] == '"' && utf8.Valid(raw) && l.skipString() && l.end()
}

// ownedMin is the length from which a text in a body the parse owns (ParseOwned)
// uses the body's memory instead of a copy of its own.
const ownedMin = 1 << 20

// ownedLongFrom is the length from which a text in a content array is left for
// decodeLong: ownedMin in a body the parse owns, never otherwise.
func ownedLongFrom(owned bool) int {
	if owned {
		return ownedMin
	}
	return 0
}

// jsonText reads a content that is a JSON string, as encoding/json reads it. With
// inPlace, the text uses raw's memory: raw's own bytes when nothing is escaped, and
// an escaped text is decoded where it lies (the decoded text is never longer, so
// nothing is overwritten before it was read), raw then holding the text, not JSON.
func jsonText(raw []byte, inPlace bool) (string, error) {
	// Most contents are plain strings with nothing escaped: raw is valid JSON
	// already (it was decoded out of the body), so its bytes are the text. A
	// 100-turn history was decoded a second time here, a third of its parse.
	if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		if inPlace && len(raw) > 2 {
			return unsafe.String(&raw[1], len(raw)-2), nil
		}
		return string(raw[1 : len(raw)-1]), nil
	}
	// Escaped text (line breaks, quotes) is unquoted by the lexer in one pass;
	// encoding/json checked it whole first, then decoded it.
	// The text is decoded into a buffer of its own, made here and never reused, so
	// the string is that buffer: copying it would hold a 30 MB text twice.
	l := jsonLexer{b: raw}
	if inPlace && inPlaceSafe(raw) {
		l.scratch = raw[1:1:len(raw)]
	} else {
		l.scratch = make([]byte, 0, len(raw))
	}
	if text, ok := l.str(); ok && l.end() {
		if len(text) == 0 || unsafe.SliceData(text) != unsafe.SliceData(l.scratch) {
			return string(text), nil // not decoded into the buffer: raw's own bytes
		}
		return unsafe.String(unsafe.SliceData(text), len(text)), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("content: %w: %w", ErrMalformed, err)
	}
	return s, nil
}

// jsonOpenAIParts is openaiContent for an array of parts, read with encoding/json
// (fastOpenAIParts reads the usual ones); a part that does not decode is skipped.
func jsonOpenAIParts(raw []byte) (string, []Media, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, fmt.Errorf("content parts: %w: %w", ErrMalformed, err)
	}
	var (
		texts []string
		media []Media
	)
	for _, p := range parts {
		var part openaiPart
		if json.Unmarshal(p, &part) != nil {
			continue // not an object: nothing to keep
		}
		texts, media = part.keep(texts, media)
	}
	return strings.Join(texts, "\n"), media, nil
}

// openaiTools returns the tools array compacted, or the legacy functions wrapped in
// the tools shape, or "" when the request offered none.
func openaiTools(tools json.RawMessage, functions []json.RawMessage) (string, error) {
	tools = bytes.TrimSpace(tools)
	if len(tools) == 0 || bytes.Equal(tools, []byte("null")) {
		if len(functions) == 0 {
			return "", nil
		}
		type tool struct {
			Type     string          `json:"type"`
			Function json.RawMessage `json:"function"`
		}
		wrapped := make([]tool, len(functions))
		for i, f := range functions {
			wrapped[i] = tool{Type: "function", Function: f}
		}
		b, err := json.Marshal(wrapped)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		tools = b
	}
	if tools[0] != '[' {
		return "", fmt.Errorf("tools is not an array: %w", ErrMalformed)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, tools); err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if buf.String() == "[]" {
		return "", nil
	}
	return buf.String(), nil
}

// splitThink moves an inline <think>…</think> block at the very start of an
// assistant message into Reasoning, as local reasoning models (DeepSeek-R1 distills,
// QwQ, Qwen3 on llama.cpp or Ollama) emit it. An unclosed block, as in a cut stream,
// is all reasoning. A message that already has Reasoning is left alone.
func splitThink(m *Message) {
	const open, end = "<think>", "</think>"
	if m.Reasoning != "" {
		return
	}
	rest, ok := strings.CutPrefix(strings.TrimLeft(m.Content, " \t\r\n"), open)
	if !ok {
		return
	}
	thought, answer, closed := strings.Cut(rest, end)
	m.Reasoning = strings.TrimSpace(thought)
	if closed {
		m.Content = strings.TrimLeft(answer, " \t\r\n")
	} else {
		m.Content = ""
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
