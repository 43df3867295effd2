package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// MessageKey returns the content address of message m following the message whose
// key is parent ("" for the first message of a conversation): the first 32 hex
// digits (128 bits) of a SHA-256 over parent and the canonical form of m.
//
// Threading rests on it: a request whose history has the same key path as a stored
// conversation continues it, and two answers after the same prefix are branches. So
// the canonical form keeps what a client resends unchanged and drops what it may
// change:
//   - Role, ToolCallID and each tool call's ID and Name are kept as they are
//     (clients resend call ids verbatim).
//   - Content has surrounding whitespace trimmed and line endings made "\n":
//     clients and UIs trim answers or normalise newlines when they resend them.
//   - Tool call arguments that are valid JSON are re-encoded compactly with sorted
//     keys, since SDKs re-serialise them; other arguments are kept as they are.
//   - Reasoning is left out: DeepSeek requires clients not to resend
//     reasoning_content, so a stored answer with reasoning must match the same
//     answer resent without it.
//   - Name is left out: clients add or drop participant names freely.
func MessageKey(parent string, m Message) string {
	c := canonicalMessage{
		Parent:     parent,
		Role:       m.Role,
		Content:    canonicalText(m.Content),
		ToolCallID: m.ToolCallID,
	}
	for _, tc := range m.ToolCalls {
		c.ToolCalls = append(c.ToolCalls, canonicalCall{ID: tc.ID, Name: tc.Name, Arguments: canonicalJSON(tc.Arguments)})
	}
	// Encoding a struct of strings cannot fail, and JSON quoting keeps the fields
	// apart, so no two different messages share an encoding.
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// PathKeys returns the key of every prefix of msgs: keys[i] is the key of msgs[i]
// with keys[i-1] as its parent.
func PathKeys(msgs []Message) []string {
	keys := make([]string, len(msgs))
	parent := ""
	for i, m := range msgs {
		parent = MessageKey(parent, m)
		keys[i] = parent
	}
	return keys
}

type canonicalMessage struct {
	Parent     string          `json:"p"`
	Role       Role            `json:"r"`
	Content    string          `json:"c"`
	ToolCalls  []canonicalCall `json:"t,omitempty"`
	ToolCallID string          `json:"i,omitempty"`
}

type canonicalCall struct {
	ID        string `json:"i"`
	Name      string `json:"n"`
	Arguments string `json:"a"`
}

func canonicalText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// canonicalJSON re-encodes valid JSON compactly with object keys sorted and
// numbers kept as written; it returns other text trimmed.
func canonicalJSON(s string) string {
	s = strings.TrimSpace(s)
	if !json.Valid([]byte(s)) {
		return s
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return s
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if e.Encode(v) != nil {
		return s
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
