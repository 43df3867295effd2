package dataset

import (
	"encoding/json"
	"fmt"
)

// The lexer's path for Anthropic Messages requests, as openai_request_lex.go is
// for OpenAI's: the request and its content blocks are read without reflection,
// and anything the lexer is not sure to read as encoding/json does goes to
// encoding/json (FuzzAnthropicRequest and FuzzAnthropicBlocks hold the two to the
// same structs). Raw fields (system, contents, tool inputs) alias the body, which
// the parser holds while it reads them; everything kept from them is copied.

var (
	anthropicRequestFields = []string{"model", "system", "messages", "tools", "stream", "metadata"}
	anthropicMessageFields = []string{"role", "content"}
	anthropicBlockFields   = []string{"type", "text", "source", "id", "name", "input", "tool_use_id", "content",
		"thinking", "signature", "data"}
	anthropicSourceFields = []string{"type", "media_type", "data", "url", "file_id", "content"}
	userIDFields          = []string{"user_id"}
)

// decodeAnthropicRequest decodes a request body into r as json.Unmarshal(body, r)
// does into a zero r, error included.
func decodeAnthropicRequest(body []byte, r *anthropicRequest) error {
	if fastAnthropicRequest(body, r) {
		return nil
	}
	*r = anthropicRequest{}
	return json.Unmarshal(body, r)
}

// fastAnthropicRequest is the lexer's path of decodeAnthropicRequest; false means
// it could not be sure to read body as encoding/json does, and r is then garbage.
func fastAnthropicRequest(body []byte, r *anthropicRequest) bool {
	*r = anthropicRequest{}
	l := jsonLexer{b: body}
	l.ws()
	return l.object(anthropicRequestFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&r.Model)
		case 1:
			return l.rawAlias((*[]byte)(&r.System))
		case 2:
			if l.null() {
				return true
			}
			msgs := make([]anthropicMessage, 0, 8)
			ok := l.array(func() bool {
				msgs = append(msgs, anthropicMessage{})
				m := &msgs[len(msgs)-1]
				return l.object(anthropicMessageFields, func(k int) bool {
					if k == 0 {
						return l.stringField(&m.Role)
					}
					return l.rawAlias((*[]byte)(&m.Content))
				})
			})
			r.Messages = msgs
			return ok
		case 3:
			return l.rawAlias((*[]byte)(&r.Tools))
		case 4:
			return l.boolField(&r.Stream)
		}
		return lexPtr(&l, &r.Metadata, func(m *anthropicMetadata) bool {
			return l.object(userIDFields, func(int) bool { return l.stringField(&m.UserID) })
		})
	}) && l.end()
}

// fastAnthropicBlocks reads an array of content blocks as json.Unmarshal(raw,
// blocks) does into a nil slice; false when it is not sure to.
func fastAnthropicBlocks(raw []byte, blocks *[]anthropicBlock) bool {
	_, ok := lexAnthropicBlocks(raw, blocks, 0)
	return ok
}

// longText is a block's text of longFrom bytes or more that lexAnthropicBlocks
// passed over without reading: raw is its JSON string, block the block it is the
// text of.
type longText struct {
	block int
	raw   []byte
}

// longString passes over the JSON string at the lexer when it is from bytes or
// more (quotes left out) and returns it; otherwise it returns nil and the lexer is
// where it was. from <= 0 takes none.
func (l *jsonLexer) longString(from int) []byte {
	if from <= 0 || l.peek() != '"' {
		return nil
	}
	start := l.i
	if l.skipString() && l.i-start >= from+2 {
		return l.b[start:l.i]
	}
	l.i = start
	return nil
}

// decodeLong decodes each long text where it lies, once the whole array around it
// was read, and hands it to set with its index.
func decodeLong(long []longText, set func(i int, s string)) error {
	for _, t := range long {
		s, err := jsonText(t.raw, true)
		if err != nil {
			return fmt.Errorf("text %d: %w: %w", t.block, ErrMalformed, err)
		}
		set(t.block, s)
	}
	return nil
}

// lexAnthropicBlocks is fastAnthropicBlocks that, when longFrom > 0, leaves each
// text of longFrom bytes or more unread, its block's Text empty, and returns it: the
// caller decodes it where it lies once the whole array is read (ParseOwned), so an
// array the lexer gives up on halfway still holds the JSON that encoding/json then
// reads.
func lexAnthropicBlocks(raw []byte, blocks *[]anthropicBlock, longFrom int) ([]longText, bool) {
	l := jsonLexer{b: raw}
	l.ws()
	bs := make([]anthropicBlock, 0, 2)
	var long []longText
	ok := l.array(func() bool {
		bs = append(bs, anthropicBlock{})
		i := len(bs) - 1
		return l.anthropicBlock(&bs[i], func() (bool, bool) {
			// A text given twice is the last one, as encoding/json reads it.
			if n := len(long); n > 0 && long[n-1].block == i {
				long = long[:n-1]
			}
			raw := l.longString(longFrom)
			if raw == nil {
				return false, true
			}
			bs[i].Text = ""
			long = append(long, longText{block: i, raw: raw})
			return true, true
		})
	})
	*blocks = bs
	return long, ok && l.end()
}

// anthropicBlock reads one content block into b. text, when not nil, is offered its
// "text" member first: it reports whether it took it, and whether that went well.
func (l *jsonLexer) anthropicBlock(b *anthropicBlock, text func() (took, ok bool)) bool {
	return l.object(anthropicBlockFields, func(k int) bool {
		switch k {
		case 1:
			if text != nil {
				if took, ok := text(); took || !ok {
					return ok
				}
			}
		case 2:
			return lexPtr(l, &b.Source, func(s *anthropicSource) bool {
				return l.object(anthropicSourceFields, func(k int) bool {
					if k == 5 {
						return l.rawAlias((*[]byte)(&s.Content))
					}
					return l.stringField([]*string{&s.Type, &s.MediaType, &s.Data, &s.URL, &s.FileID}[k])
				})
			})
		case 5:
			return l.rawAlias((*[]byte)(&b.Input))
		case 7:
			return l.rawAlias((*[]byte)(&b.Content))
		}
		return l.stringField([]*string{&b.Type, &b.Text, nil, &b.ID, &b.Name, nil, &b.ToolUseID, nil,
			&b.Thinking, &b.Signature, &b.Data}[k])
	})
}

// rawAlias passes over a value into *dst as a json.RawMessage field holds it
// (null as its text), aliasing the input rather than copying it.
func (l *jsonLexer) rawAlias(dst *[]byte) bool {
	start := l.i
	ok := l.skip(0)
	*dst = l.b[start:l.i]
	return ok
}
