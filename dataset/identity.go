package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
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
//   - Content has line endings made "\n", runs of spaces and tabs made one space,
//     each line trimmed and blank lines dropped:
//     frontends (SillyTavern's trimming, chat UIs) tidy whitespace in earlier turns
//     when they resend them.
//   - Media are kept as their content hash (computed from Data when Hash is unset)
//     or, sent by reference, their URL, so different images make different messages.
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
	for _, md := range m.Media {
		c.Media = append(c.Media, mediaIdentity(md))
	}
	for _, tc := range m.ToolCalls {
		c.ToolCalls = append(c.ToolCalls, canonicalCall{ID: tc.ID, Name: tc.Name, Arguments: canonicalJSON(tc.Arguments)})
	}
	sum := sha256.Sum256(c.encode())
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
	Parent     string
	Role       Role
	Content    string
	ToolCalls  []canonicalCall
	ToolCallID string
	Media      []string
}

type canonicalCall struct {
	ID, Name, Arguments string
}

// encode frames every field as a tag byte, its length and its bytes, so no two
// different messages share an encoding. It is what keys hash: changing it changes
// every key, and stored conversations then need `llmtap reindex`.
func (c *canonicalMessage) encode() []byte {
	n := len(c.Parent) + len(c.Role) + len(c.Content) + len(c.ToolCallID) + 64
	for _, tc := range c.ToolCalls {
		n += len(tc.ID) + len(tc.Name) + len(tc.Arguments) + 32
	}
	for _, m := range c.Media {
		n += len(m) + 11
	}
	b := make([]byte, 0, n)
	field := func(tag byte, s string) {
		b = append(b, tag)
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	field('p', c.Parent)
	field('r', string(c.Role))
	field('c', c.Content)
	field('i', c.ToolCallID)
	for _, tc := range c.ToolCalls {
		field('t', tc.ID)
		field('n', tc.Name)
		field('a', tc.Arguments)
	}
	for _, m := range c.Media {
		field('m', m)
	}
	return b
}

// MediaHash returns the hex SHA-256 of media bytes: the name the store keeps them
// under and the identity a message's key uses for them.
func MediaHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// mediaIdentity is what a media item contributes to a message key.
func mediaIdentity(md Media) string {
	switch {
	case md.Hash != "":
		return "sha256:" + md.Hash
	case len(md.Data) > 0:
		return "sha256:" + MediaHash(md.Data)
	}
	return "url:" + md.URL
}

func canonicalText(s string) string {
	if isCanonicalText(s) {
		return s // the common case, without allocating
	}
	b := make([]byte, 0, len(s))
	space, newline := false, false // separators seen since the last text byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			space = true
			continue
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0: // no-break space
			space = true
			i++
			continue
		case c == '\n' || c == '\r':
			newline, space = true, false
			continue
		}
		switch {
		case len(b) == 0:
		case newline:
			b = append(b, '\n')
		case space:
			b = append(b, ' ')
		}
		newline, space = false, false
		b = append(b, c)
	}
	return string(b)
}

// isCanonicalText reports whether canonicalText would return s unchanged.
func isCanonicalText(s string) bool {
	prev := byte('\n') // a line may not start with a space, nor be blank
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r' || c == '\t' || c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			return false
		case c == ' ' && (prev == ' ' || prev == '\n'), c == '\n' && (prev == ' ' || prev == '\n'):
			return false
		}
		prev = c
	}
	return prev != ' ' && prev != '\n' || s == ""
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
