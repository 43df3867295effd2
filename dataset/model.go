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
	// ToolCalls are the calls an assistant message makes, in order.
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
	// ToolCallID ties a tool message to the call it answers.
	ToolCallID string `json:"toolCallId,omitempty"`
	// Name is the optional participant or tool name.
	Name string `json:"name,omitempty"`
}

// ToolCall is one function call made by an assistant message.
type ToolCall struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments exactly as the model produced it;
	// it may be invalid JSON when a stream was cut.
	Arguments string `json:"arguments"`
}

// Usage is the token accounting an API reported for one exchange.
type Usage struct {
	PromptTokens     int `json:"promptTokens"`
	CompletionTokens int `json:"completionTokens"`
	TotalTokens      int `json:"totalTokens"`
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
}
