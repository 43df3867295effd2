package translate

import "encoding/json"

// Ollama /api/chat wire types.

type olRequest struct {
	Model    string          `json:"model"`
	Messages []olMessage     `json:"messages"`
	Tools    []oaTool        `json:"tools,omitempty"` // the OpenAI shape
	Format   json.RawMessage `json:"format,omitempty"`
	Options  *olOptions      `json:"options,omitempty"`
	Stream   bool            `json:"stream"` // Ollama streams unless told false
	Think    *bool           `json:"think,omitempty"`
}

type olMessage struct {
	Role      string       `json:"role"`
	Content   string       `json:"content"`
	Thinking  string       `json:"thinking,omitempty"`
	Images    []string     `json:"images,omitempty"` // base64, no data: prefix
	ToolCalls []olToolCall `json:"tool_calls,omitempty"`
	ToolName  string       `json:"tool_name,omitempty"`
}

type olToolCall struct {
	Function olFunctionCall `json:"function"`
}

type olFunctionCall struct {
	Index     *int            `json:"index,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"` // an object, not a string
}

type olOptions struct {
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	Stop        []string `json:"stop,omitempty"`
	NumPredict  *int     `json:"num_predict,omitempty"`
}

type olResponse struct {
	Model           string    `json:"model"`
	CreatedAt       string    `json:"created_at"`
	Message         olMessage `json:"message"`
	Done            bool      `json:"done"`
	DoneReason      string    `json:"done_reason,omitempty"`
	PromptEvalCount int       `json:"prompt_eval_count,omitempty"`
	EvalCount       int       `json:"eval_count,omitempty"`
	Error           string    `json:"error,omitempty"`
}
