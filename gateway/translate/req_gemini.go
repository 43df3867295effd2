package translate

import (
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
)

// Thinking budgets for OpenAI's reasoning_effort, as Google's OpenAI-compatible
// endpoint maps them.
var geminiEffortBudget = map[string]int{"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}

// skipThoughtSignature stands in for the thought signature of a step's first
// function call when the history has none (another model made it, or the client
// dropped extra_content): Gemini 3 refuses such a call otherwise, and its
// thought-signatures guide names this value for exactly that case.
const skipThoughtSignature = "skip_thought_signature_validator"

// openaiToGeminiRequest rewrites a Chat Completions request as a generateContent
// one. The model goes in the path, not the body.
func openaiToGeminiRequest(body []byte) ([]byte, error) {
	in, err := readOpenAIRequest(body)
	if err != nil {
		return nil, err
	}
	var out gmRequest
	var system []gmPart
	toolNames := map[string]string{} // tool call id → function name
	for i, m := range in.Messages {
		parts, err := m.contentParts()
		if err != nil {
			return nil, fmt.Errorf("message %d content: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			system = append(system, gmPart{Text: openaiText(parts)})
		case "user":
			gp, err := geminiParts(parts)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			out.Contents = appendGemini(out.Contents, "user", gp)
		case "assistant":
			gp, err := geminiParts(parts)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			for _, c := range m.ToolCalls {
				toolNames[c.ID] = c.Function.Name
				args := json.RawMessage(objectOrEmpty(json.RawMessage(c.Function.Arguments)))
				if !json.Valid(args) {
					return nil, fmt.Errorf("message %d tool call %s arguments are not JSON", i, c.ID)
				}
				p := gmPart{FunctionCall: &gmFunctionCall{Name: c.Function.Name, Args: args}}
				if c.ExtraContent != nil && c.ExtraContent.Google != nil {
					p.ThoughtSignature = c.ExtraContent.Google.ThoughtSignature
				}
				if p.ThoughtSignature == "" && len(m.ToolCalls) > 0 && c.ID == m.ToolCalls[0].ID {
					p.ThoughtSignature = skipThoughtSignature
				}
				gp = append(gp, p)
			}
			out.Contents = appendGemini(out.Contents, "model", gp)
		case "tool":
			name, ok := toolNames[m.ToolCallID]
			if !ok {
				return nil, fmt.Errorf("message %d answers unknown tool call %q", i, m.ToolCallID)
			}
			resp, _ := json.Marshal(map[string]string{"content": openaiText(parts)})
			out.Contents = appendGemini(out.Contents, "user", []gmPart{{FunctionResponse: &gmFunctionResponse{Name: name, Response: resp}}})
		default:
			return nil, fmt.Errorf("message %d role %q: %w", i, m.Role, ErrUnsupported)
		}
	}
	if len(system) > 0 {
		out.SystemInstruction = &gmContent{Parts: system}
	}
	if len(in.Tools) > 0 {
		var decls []gmFuncDecl
		for _, t := range in.Tools {
			if t.Type != "function" {
				return nil, fmt.Errorf("tool type %q: %w", t.Type, ErrUnsupported)
			}
			decls = append(decls, gmFuncDecl{Name: t.Function.Name, Description: t.Function.Description, ParametersJSONSchema: t.Function.Parameters})
		}
		out.Tools = []gmTool{{FunctionDeclarations: decls}}
	}
	tc, err := parseToolChoice(in.ToolChoice)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		cfg := gmFuncCallingConfig{}
		switch tc.mode {
		case "auto":
			cfg.Mode = "AUTO"
		case "none":
			cfg.Mode = "NONE"
		case "required":
			cfg.Mode = "ANY"
		case "function":
			cfg.Mode, cfg.AllowedFunctionNames = "ANY", []string{tc.name}
		default:
			return nil, fmt.Errorf("tool_choice %q: %w", tc.mode, ErrUnsupported)
		}
		out.ToolConfig = &gmToolConfig{FunctionCallingConfig: cfg}
	}
	gen, err := geminiGenConfig(&in)
	if err != nil {
		return nil, err
	}
	out.GenerationConfig = gen
	return json.Marshal(out)
}

func geminiGenConfig(in *oaRequest) (*gmGenConfig, error) {
	g := gmGenConfig{Temperature: in.Temperature, TopP: in.TopP, MaxOutputTokens: in.MaxCompletionTokens}
	if g.MaxOutputTokens == nil {
		g.MaxOutputTokens = in.MaxTokens
	}
	stop, err := parseStop(in.Stop)
	if err != nil {
		return nil, err
	}
	g.StopSequences = stop
	if budget, ok := geminiEffortBudget[in.ReasoningEffort]; ok {
		g.ThinkingConfig = &gmThinkingConfig{IncludeThoughts: budget > 0, ThinkingBudget: ptr(budget)}
	}
	rfType, schema, err := parseResponseFormat(in.ResponseFormat)
	if err != nil {
		return nil, err
	}
	if rfType == "json_object" || rfType == "json_schema" {
		g.ResponseMimeType, g.ResponseSchema = "application/json", schema
	}
	if g.Temperature == nil && g.TopP == nil && g.MaxOutputTokens == nil && g.StopSequences == nil &&
		g.ThinkingConfig == nil && g.ResponseMimeType == "" {
		return nil, nil
	}
	return &g, nil
}

// appendGemini adds parts as a content of role, merging into the last content
// when it has that role (the responses to parallel calls go in one turn).
func appendGemini(contents []gmContent, role string, parts []gmPart) []gmContent {
	if len(parts) == 0 {
		return contents
	}
	if n := len(contents); n > 0 && contents[n-1].Role == role {
		contents[n-1].Parts = append(contents[n-1].Parts, parts...)
		return contents
	}
	return append(contents, gmContent{Role: role, Parts: parts})
}

// geminiParts turns OpenAI content parts into Gemini parts: data URLs inline,
// other URLs as fileData (its mimeType guessed from the name, Gemini requires one).
func geminiParts(parts []oaPart) ([]gmPart, error) {
	out := make([]gmPart, 0, len(parts))
	for _, p := range parts {
		switch p.Type {
		case "text", "refusal":
			if p.Text != "" {
				out = append(out, gmPart{Text: p.Text})
			}
		case "image_url":
			if p.ImageURL == nil {
				return nil, fmt.Errorf("image_url part without a url: %w", ErrUnsupported)
			}
			if mt, data, ok := parseDataURL(p.ImageURL.URL); ok {
				out = append(out, gmPart{InlineData: &gmBlob{MimeType: mt, Data: data}})
				continue
			}
			mt := mime.TypeByExtension(path.Ext(strings.SplitN(p.ImageURL.URL, "?", 2)[0]))
			if mt == "" {
				mt = "image/jpeg"
			}
			out = append(out, gmPart{FileData: &gmFileData{MimeType: mt, FileURI: p.ImageURL.URL}})
		default:
			return nil, fmt.Errorf("content part %q: %w", p.Type, ErrUnsupported)
		}
	}
	return out, nil
}
