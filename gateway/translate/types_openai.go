package translate

import "encoding/json"

// OpenAI Chat Completions wire types, as much of them as translation needs.

type oaRequest struct {
	Model               string          `json:"model"`
	Messages            []oaMessage     `json:"messages"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	Stop                json.RawMessage `json:"stop,omitempty"` // a string or a list
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *oaStreamOpts   `json:"stream_options,omitempty"`
	Tools               []oaTool        `json:"tools,omitempty"`
	ToolChoice          json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ResponseFormat      json.RawMessage `json:"response_format,omitempty"`
	User                string          `json:"user,omitempty"`
}

type oaStreamOpts struct {
	IncludeUsage bool `json:"include_usage"`
}

type oaMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content,omitempty"` // a string, a list of parts, or null
	Name       string          `json:"name,omitempty"`
	ToolCalls  []oaToolCall    `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
	// ReasoningContent is DeepSeek's and LiteLLM's field for a reply's reasoning
	// text; Reasoning is the one OpenRouter and vLLM use.
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Reasoning        string          `json:"reasoning,omitempty"`
	ThinkingBlocks   []thinkingBlock `json:"thinking_blocks,omitempty"`
	// parts is Content as readOpenAIRequest read it, when partsRead; see contentParts.
	parts     []oaPart
	partsRead bool
}

// thinkingBlock is LiteLLM's "thinking_blocks" entry: an Anthropic thinking or
// redacted_thinking block with its signature, kept verbatim so it can go back.
type thinkingBlock struct {
	// Index places the block in a stream delta: openai-python's stream
	// accumulator merges lists of objects by it (and refuses a second list
	// without it).
	Index     *int   `json:"index,omitempty"`
	Type      string `json:"type"`
	Thinking  string `json:"thinking,omitempty"`
	Signature string `json:"signature,omitempty"`
	Data      string `json:"data,omitempty"`
}

type oaPart struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	ImageURL *oaImageURL `json:"image_url,omitempty"`
}

type oaImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type oaToolCall struct {
	Index    *int           `json:"index,omitempty"` // stream deltas only
	ID       string         `json:"id,omitempty"`
	Type     string         `json:"type,omitempty"`
	Function oaFunctionCall `json:"function"`
	// ExtraContent is where Google's OpenAI-compatible endpoint puts a Gemini
	// thought signature; we use the same place.
	ExtraContent *oaExtraContent `json:"extra_content,omitempty"`
}

type oaFunctionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type oaExtraContent struct {
	Google *oaGoogleExtra `json:"google,omitempty"`
}

type oaGoogleExtra struct {
	ThoughtSignature string `json:"thought_signature,omitempty"`
}

type oaTool struct {
	Type     string     `json:"type"`
	Function oaFunction `json:"function"`
}

type oaFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

type oaToolChoiceFunc struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

type oaResponse struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []oaChoice `json:"choices"`
	Usage   *oaUsage   `json:"usage,omitempty"`
	Error   *oaError   `json:"error,omitempty"` // a mid-stream error
}

type oaChoice struct {
	Index        int            `json:"index"`
	Message      *oaRespMessage `json:"message,omitempty"`
	Delta        *oaRespMessage `json:"delta,omitempty"`
	FinishReason *string        `json:"finish_reason"`
}

// oaRespMessage is a reply's message or a stream delta. Content is a pointer so a
// whole reply can say null and a delta can leave it out.
type oaRespMessage struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Reasoning        string          `json:"reasoning,omitempty"`
	ThinkingBlocks   []thinkingBlock `json:"thinking_blocks,omitempty"`
	ToolCalls        []oaToolCall    `json:"tool_calls,omitempty"`
	Refusal          *string         `json:"refusal,omitempty"`
}

type oaUsage struct {
	PromptTokens            int                  `json:"prompt_tokens"`
	CompletionTokens        int                  `json:"completion_tokens"`
	TotalTokens             int                  `json:"total_tokens"`
	PromptTokensDetails     *oaPromptDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *oaCompletionDetails `json:"completion_tokens_details,omitempty"`
	// CacheCreationInputTokens has no OpenAI field; LiteLLM reports Anthropic's
	// under this name, and so do we.
	CacheCreationInputTokens int `json:"cache_creation_input_tokens,omitempty"`
}

type oaPromptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type oaCompletionDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

type oaError struct {
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
	Code    any    `json:"code,omitempty"`
}
