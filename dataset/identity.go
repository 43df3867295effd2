package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/bits"
	"strings"
	"unsafe"
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
	return canonical(m).key(parent)
}

// MessageKeys returns MessageKey(parent, m) and MessageKey("", m), the message's
// content key, while making m's canonical form once: for a long answer that form
// and its hash are most of what storing it costs.
func MessageKeys(parent string, m Message) (key, contentKey string) {
	c := canonical(m)
	if parent == "" {
		key = c.key("")
		return key, key
	}
	if c.size() < parallelKeysFrom {
		return c.key(parent), c.key("")
	}
	// Both hashes read the whole content: the content key's on another core.
	done := make(chan struct{})
	go func() {
		contentKey = c.key("")
		close(done)
	}()
	key = c.key(parent)
	<-done
	return key, contentKey
}

// parallelKeysFrom is the size of a message from which MessageKeys hashes its key
// and its content key at once: a 2 MB answer's two take ~1.6 ms each.
const parallelKeysFrom = 256 << 10

// canonical is m's canonical form without a parent.
func canonical(m Message) canonicalMessage {
	c := canonicalMessage{
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
	return c
}

// key is the message key of c under parent: the first 16 bytes of the SHA-256 of
// its encoding, hashed as it is framed, in chunks, so a long content is never
// copied whole.
func (c canonicalMessage) key(parent string) string {
	c.Parent = parent
	h := sha256.New()
	c.frame(h, make([]byte, 0, min(c.size(), 32<<10)))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
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

// size is an upper bound of the length of c's encoding.
func (c *canonicalMessage) size() int {
	n := len(c.Parent) + len(c.Role) + len(c.Content) + len(c.ToolCallID) + 64
	for _, tc := range c.ToolCalls {
		n += len(tc.ID) + len(tc.Name) + len(tc.Arguments) + 32
	}
	for _, m := range c.Media {
		n += len(m) + 11
	}
	return n
}

// encode frames every field as a tag byte, its length and its bytes, so no two
// different messages share an encoding. It is what keys hash: changing it changes
// every key, and stored conversations then need `llmtap reindex`.
func (c *canonicalMessage) encode() []byte {
	var b bytes.Buffer
	c.frame(&b, make([]byte, 0, 64))
	return b.Bytes()
}

// frame writes c's encoding to w through buf (at least 16 bytes of capacity), in
// pieces of at most cap(buf).
func (c *canonicalMessage) frame(w io.Writer, buf []byte) {
	field := func(tag byte, s string) {
		if cap(buf)-len(buf) < 1+binary.MaxVarintLen64 {
			w.Write(buf)
			buf = buf[:0]
		}
		buf = append(buf, tag)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		for len(s) > 0 {
			if len(buf) == cap(buf) {
				w.Write(buf)
				buf = buf[:0]
			}
			n := copy(buf[len(buf):cap(buf)], s)
			buf, s = buf[:len(buf)+n], s[n:]
		}
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
	w.Write(buf)
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
	i := canonicalPrefix(s)
	if i == len(s) {
		return s // the common case, without allocating
	}
	// s[:i] is kept as it is, and ends with a text byte (or is empty): go on from
	// there with no separator pending.
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	space, newline := false, false // separators seen since the last text byte
	for ; i < len(s); i++ {
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
		case b.Len() == 0:
		case newline:
			b.WriteByte('\n')
		case space:
			b.WriteByte(' ')
		}
		newline, space = false, false
		b.WriteByte(c)
	}
	return b.String()
}

// isCanonicalText reports whether canonicalText would return s unchanged.
func isCanonicalText(s string) bool {
	return canonicalPrefix(s) == len(s)
}

// canonicalPrefix returns len(s) when canonicalText keeps s as it is, else the
// length of the longest prefix it keeps as it is that ends with a text byte (0 when
// none): lines not starting with a space, single spaces and newlines between text.
func canonicalPrefix(s string) int {
	clean := 0         // end of the verbatim prefix's last text byte
	prev := byte('\n') // a line may not start with a space, nor be blank
	for i := 0; i < len(s); i++ {
		if i, prev, clean = plainWords(s, i, prev, clean); i == len(s) {
			break
		}
		c := s[i]
		if c > ' ' && c != 0xc2 { // most bytes: text
			prev, clean = c, i+1
			continue
		}
		switch {
		case c == '\r' || c == '\t' || c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			return clean
		case c == ' ' || c == '\n':
			if prev == ' ' || prev == '\n' {
				return clean
			}
		default: // a control byte or a 0xc2 that starts another character: text
			clean = i + 1
		}
		prev = c
	}
	if prev == ' ' || prev == '\n' {
		return clean
	}
	return len(s)
}

// plainWords is canonicalPrefix's scan eight bytes at a time from i, while they
// hold no two spaces or newlines in a row and nothing canonicalPrefix looks at more
// closely (\r, \t, control bytes, 0xc2): a 2 MB answer's prefix in a third of the
// time. It returns where it stopped and canonicalPrefix's prev and clean there.
func plainWords(s string, i int, prev byte, clean int) (int, byte, int) {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		nl := swarEq(w, '\n')
		ws := swarEq(w, ' ') | nl
		after := ws << 8 // marks the byte after each space or newline
		if prev == ' ' || prev == '\n' {
			after |= 0x80
		}
		if ws&after != 0 || swarLess(w, ' ')&^nl|swarEq(w, 0xc2) != 0 {
			break
		}
		if text := ^ws & swarHigh; text != 0 {
			clean = i + (63-bits.LeadingZeros64(text))/8 + 1
		}
		prev = b[i+7]
	}
	return i, prev, clean
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
