package dataset

import "time"

// Role is who speaks a message.
type Role string

// The roles every dialect is mapped onto. OpenAI's "developer" role becomes RoleSystem.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one turn of a conversation in the dialect-neutral model.
type Message struct {
	Role Role `json:"role"`
	// Content is the text of the message. Text parts of a multi-part message are
	// joined with "\n".
	Content string `json:"content"`
	// Reasoning is the model's thinking kept apart from the answer
	// (DeepSeek reasoning_content and the like). Empty when there is none.
	Reasoning string `json:"reasoning,omitempty"`
	// ReasoningSignature is the provider's signature over the reasoning (Anthropic
	// thinking blocks), needed to send the reasoning back; "" when none was given.
	ReasoningSignature string `json:"reasoningSignature,omitempty"`
	// RedactedReasoning holds encrypted reasoning the provider did not reveal
	// (Anthropic redacted_thinking data, OpenAI encrypted_content), kept opaque.
	RedactedReasoning string `json:"redactedReasoning,omitempty"`
	// Media are the images, audio and files the message carries, in order. They are
	// never inlined into Content.
	Media []Media `json:"media,omitempty"`
	// ToolCalls are the calls an assistant message makes, in order.
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
	// ToolCallID ties a tool message to the call it answers.
	ToolCallID string `json:"toolCallId,omitempty"`
	// Name is the optional participant or tool name.
	Name string `json:"name,omitempty"`
	// NoTrain marks an assistant turn a person marked "don't train". Only the
	// export of a format that can mask one turn (FormatSpec.Masks) sees it set;
	// the others never get such a turn, its round left out whole.
	NoTrain bool `json:"noTrain,omitempty"`
	// Thumb is a person's rating of an answer: 1 up, -1 down, 0 none (issue 14).
	// It feeds KTO labels (kto.go) and preference pairs (RuleThumbs).
	Thumb int `json:"thumb,omitempty"`
}

// ToolCall is one function call made by an assistant message.
type ToolCall struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments exactly as the model produced it;
	// it may be invalid JSON when a stream was cut.
	Arguments string `json:"arguments"`
}

// Media is one image, audio clip or file attached to a message.
type Media struct {
	// Kind is "image", "audio" or "file".
	Kind string `json:"kind"`
	// MIME is the media type when known, e.g. "image/png".
	MIME string `json:"mime,omitempty"`
	// Data holds inline bytes (decoded from base64 by the parser). The store keeps
	// them once by content hash and clears Data, setting Hash.
	Data []byte `json:"data,omitempty"`
	// URL is where the media lives when it was sent by reference, not inline.
	URL string `json:"url,omitempty"`
	// Hash is the hex SHA-256 of Data, set once the bytes are stored.
	Hash string `json:"hash,omitempty"`
}

// Usage is the token accounting an API reported for one exchange.
type Usage struct {
	PromptTokens     int `json:"promptTokens"`
	CompletionTokens int `json:"completionTokens"`
	TotalTokens      int `json:"totalTokens"`
	// CachedTokens is the part of PromptTokens read from the provider's prompt cache
	// (OpenAI prompt_tokens_details.cached_tokens, Anthropic cache_read_input_tokens,
	// Gemini cachedContentTokenCount, DeepSeek prompt_cache_hit_tokens); they cost
	// less than fresh input.
	CachedTokens int `json:"cachedTokens,omitempty"`
	// CacheWriteTokens is the part of PromptTokens written to the cache on this
	// request (Anthropic cache_creation_input_tokens); they cost more than fresh input.
	CacheWriteTokens int `json:"cacheWriteTokens,omitempty"`
}

// Round is what one request/response exchange says about a conversation: the
// history the client sent and the answer (or answers, for n > 1) it got back.
type Round struct {
	Dialect Dialect `json:"dialect"`
	Model   string  `json:"model"`
	// Messages is the history sent by the client, system messages included, in order.
	Messages []Message `json:"messages"`
	// Tools is the JSON array of tool definitions the request offered, or "" when none.
	Tools string `json:"tools,omitempty"`
	// Answers holds one assistant message per returned choice, ordered by choice index.
	// It is empty when the response carried no answer (an error, or a cut stream with
	// nothing in it).
	Answers []Message `json:"answers"`
	// FinishReason is the first choice's finish reason ("stop", "length", "tool_calls", ...).
	FinishReason string `json:"finishReason,omitempty"`
	Usage        Usage  `json:"usage"`
	Stream       bool   `json:"stream"`
	// Incomplete is set when a stream ended without its terminal event.
	Incomplete bool `json:"incomplete,omitempty"`
	// Raw is set for a legacy completion whose prompt could not be read as chat
	// messages: Messages then holds the prompt as one user message.
	Raw bool `json:"raw,omitempty"`
	// ResponseID is the provider's ID for this response, when it chains (OpenAI
	// Responses API); PreviousResponseID is the one the request continues.
	ResponseID         string `json:"responseId,omitempty"`
	PreviousResponseID string `json:"previousResponseId,omitempty"`
	// Prefill is set when the request itself asks the model to continue its last
	// assistant message instead of answering after it: DeepSeek's "prefix": true on
	// that message, vLLM's continue_final_message. Threading then merges the answer
	// into that message (ContinuesLast).
	Prefill bool `json:"prefill,omitempty"`
	// SessionID groups requests of one client session when the client says so
	// (Anthropic metadata.user_id, session headers); "" when unknown.
	SessionID string `json:"sessionId,omitempty"`
}

// Status is where a conversation stands in review.
type Status string

// The review states. New conversations are StatusUnreviewed.
const (
	StatusUnreviewed Status = "unreviewed"
	StatusConfirmed  Status = "confirmed"
	StatusRejected   Status = "rejected"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	return s == StatusUnreviewed || s == StatusConfirmed || s == StatusRejected
}

// Conversation is one chat as it goes into a dataset: its metadata and the chosen
// path of messages from the root to a leaf (the newest branch unless a person
// picked another).
type Conversation struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Status    Status    `json:"status"`
	Model     string    `json:"model"`
	Tools     string    `json:"tools,omitempty"`
	Messages  []Message `json:"messages"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Leaf is the last message of the path this record holds when it is not the
	// conversation's chosen path: another chat that shares its opening, parted at
	// a user turn (issue 12). 0 for the chosen path.
	Leaf int64 `json:"leaf,omitempty"`
	// Speaker is the character whose answers this record trains, when the
	// conversation is a group chat split per speaker (SplitSpeakers); "" otherwise.
	Speaker string `json:"speaker,omitempty"`
	// Score is the conversation's quality score, 1 to 5, or 0 unrated (issue 14):
	// the "score" column of the formats that have room for one.
	Score int `json:"score,omitempty"`
}
