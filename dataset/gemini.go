package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The Gemini generateContent wire format (Google AI Studio and Vertex AI):
// https://ai.google.dev/api/generate-content
//
// The REST API reads field names in lowerCamelCase or in snake_case (its proto JSON
// mapping), and the documentation's curl examples use both, so each request type
// below accepts either (see geminiCamel).

type geminiRequest struct {
	Contents          []geminiContent `json:"contents"`
	SystemInstruction *geminiContent  `json:"systemInstruction"`
	Tools             json.RawMessage `json:"tools"`
}

type geminiContent struct {
	Role  string       `json:"role"` // "user", "model" or "function"; "" means user
	Parts []geminiPart `json:"parts"`
}

// geminiPart is one part of a content; one of its payload fields is set.
type geminiPart struct {
	Text             string            `json:"text"`
	Thought          bool              `json:"thought"` // Text is a thought summary
	ThoughtSignature string            `json:"thoughtSignature"`
	InlineData       *geminiBlob       `json:"inlineData"`
	FileData         *geminiFileData   `json:"fileData"`
	FunctionCall     *geminiCall       `json:"functionCall"`
	FunctionResponse *geminiCallResult `json:"functionResponse"`
}

type geminiBlob struct {
	MIMEType string `json:"mimeType"`
	Data     string `json:"data"` // base64
}

type geminiFileData struct {
	MIMEType string `json:"mimeType"`
	FileURI  string `json:"fileUri"`
}

type geminiCall struct {
	ID   string          `json:"id"` // optional; most clients leave it out
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type geminiCallResult struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response"`
}

func (v *geminiRequest) UnmarshalJSON(b []byte) error {
	type plain geminiRequest
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiContent) UnmarshalJSON(b []byte) error {
	type plain geminiContent
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiPart) UnmarshalJSON(b []byte) error {
	type plain geminiPart
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiBlob) UnmarshalJSON(b []byte) error {
	type plain geminiBlob
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiFileData) UnmarshalJSON(b []byte) error {
	type plain geminiFileData
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiCall) UnmarshalJSON(b []byte) error {
	type plain geminiCall
	return geminiUnmarshal(b, (*plain)(v))
}

func (v *geminiCallResult) UnmarshalJSON(b []byte) error {
	type plain geminiCallResult
	return geminiUnmarshal(b, (*plain)(v))
}

// geminiUnmarshal decodes the JSON object b into v after renaming its snake_case
// keys to lowerCamelCase. Only the object's own keys are renamed: nested objects
// rename theirs in their own UnmarshalJSON, and user data (function args and
// responses, tool schemas) is kept as raw JSON, untouched.
func geminiUnmarshal(b []byte, v any) error {
	if bytes.IndexByte(b, '_') >= 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
		renamed := false
		for k, val := range fields {
			if !strings.Contains(k, "_") {
				continue
			}
			if c := snakeToCamel(k); fields[c] == nil {
				fields[c] = val
			}
			delete(fields, k)
			renamed = true
		}
		if renamed {
			var err error
			if b, err = json.Marshal(fields); err != nil {
				return err
			}
		}
	}
	return json.Unmarshal(b, v)
}

func snakeToCamel(s string) string {
	var sb strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case r == '_':
			upper = true
		case upper:
			sb.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// ParseGemini reads a Gemini generateContent or streamGenerateContent exchange. The
// response may be one GenerateContentResponse object, a stream of them as server-sent
// events (?alt=sse), or a streamed JSON array (the default); which one is told from
// the body itself. An empty respBody gives a Round with no Answers.
//
// The request body does not name the model (the URL path does): Model is the
// response's modelVersion, and the caller should prefer GeminiModelFromPath of the
// request path when it is not "". Stream is likewise told from the response only.
//
// systemInstruction becomes one leading system message. Role "model" becomes
// RoleAssistant. Each functionResponse part becomes a tool message (Name set,
// Content the compact JSON of the response), ahead of a message with the content's
// other parts if it has any. Function calls carry the ID Gemini gives, which is
// usually none: ToolCall.ID and ToolCallID are then "", and calls pair with their
// responses by order and name. The text parts of a model message are concatenated
// as they are (a stream splits text anywhere); those of other messages are joined
// with "\n". Thought parts go to Reasoning, and the first thoughtSignature to
// ReasoningSignature. executableCode and codeExecutionResult parts are left out.
// Usage.CompletionTokens counts candidate and thought tokens.
//
// Errors wrap ErrMalformed (a request that is not generateContent JSON) or
// ErrUpstream (an API error, or a prompt blocked with no candidate).
func ParseGemini(reqBody, respBody []byte) (*Round, error) {
	var req geminiRequest
	if err := json.Unmarshal(reqBody, &req); err != nil {
		return nil, fmt.Errorf("decode gemini request: %w: %w", ErrMalformed, err)
	}
	r := &Round{
		Dialect:  Gemini,
		Messages: make([]Message, 0, len(req.Contents)+1),
		Answers:  []Message{},
	}
	if req.SystemInstruction != nil {
		var texts []string
		for _, p := range req.SystemInstruction.Parts {
			if p.Text != "" {
				texts = append(texts, p.Text)
			}
		}
		if len(texts) > 0 {
			r.Messages = append(r.Messages, Message{Role: RoleSystem, Content: strings.Join(texts, "\n")})
		}
	}
	for _, c := range req.Contents {
		r.Messages = append(r.Messages, c.messages()...)
	}
	var err error
	if r.Tools, err = compactArray(req.Tools); err != nil {
		return nil, fmt.Errorf("decode gemini request tools: %w", err)
	}
	if err := parseGeminiResponse(r, respBody); err != nil {
		return nil, err
	}
	return r, nil
}

// GeminiModelFromPath returns the model a Gemini request path names, as in
// "/v1beta/models/gemini-2.5-flash:streamGenerateContent" or Vertex AI's
// ".../publishers/google/models/gemini-2.5-flash:generateContent", or "" when path
// is not a generateContent or streamGenerateContent path. A query is ignored.
func GeminiModelFromPath(path string) string {
	path, _, _ = strings.Cut(path, "?")
	seg := path[strings.LastIndexByte(path, '/')+1:]
	model, method, ok := strings.Cut(seg, ":")
	if !ok || method != "generateContent" && method != "streamGenerateContent" {
		return ""
	}
	return model
}

func geminiRole(role string) Role {
	switch role {
	case "", "user":
		return RoleUser
	case "model":
		return RoleAssistant
	case "function", "tool":
		return RoleTool
	}
	return Role(role)
}

// messages converts one content: a tool message per functionResponse part, then a
// message of the content's role with the other parts. That message is left out only
// when the content held function responses and nothing more.
func (c *geminiContent) messages() []Message {
	role := geminiRole(c.Role)
	var tools []Message
	rest := make([]geminiPart, 0, len(c.Parts))
	for _, p := range c.Parts {
		if fr := p.FunctionResponse; fr != nil {
			tools = append(tools, Message{Role: RoleTool, Name: fr.Name, ToolCallID: fr.ID, Content: compactJSONText(fr.Response, "")})
			continue
		}
		rest = append(rest, p)
	}
	if role == RoleTool {
		role = RoleUser // text beside function responses is the user's
	}
	if len(tools) > 0 && len(rest) == 0 {
		return tools
	}
	return append(tools, geminiMessage(role, rest))
}

// geminiMessage converts parts without function responses to one message.
func geminiMessage(role Role, parts []geminiPart) Message {
	m := Message{Role: role}
	sep := "\n"
	if role == RoleAssistant {
		sep = ""
	}
	var texts, thoughts []string
	for _, p := range parts {
		if m.ReasoningSignature == "" {
			m.ReasoningSignature = p.ThoughtSignature
		}
		switch {
		case p.FunctionCall != nil:
			fc := p.FunctionCall
			m.ToolCalls = append(m.ToolCalls, ToolCall{ID: fc.ID, Name: fc.Name, Arguments: compactJSONText(fc.Args, "{}")})
		case p.InlineData != nil:
			m.Media = append(m.Media, inlineMedia(geminiMediaKind(p.InlineData.MIMEType), p.InlineData.MIMEType, p.InlineData.Data))
		case p.FileData != nil:
			m.Media = append(m.Media, Media{Kind: geminiMediaKind(p.FileData.MIMEType), MIME: p.FileData.MIMEType, URL: p.FileData.FileURI})
		case p.Thought:
			thoughts = append(thoughts, p.Text)
		case p.Text != "":
			texts = append(texts, p.Text)
		}
	}
	m.Content = strings.Join(texts, sep)
	m.Reasoning = strings.Join(thoughts, sep)
	return m
}

// geminiMediaKind maps a MIME type to a Media kind; video and documents are files.
func geminiMediaKind(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return "image"
	case strings.HasPrefix(mime, "audio/"):
		return "audio"
	}
	return "file"
}
