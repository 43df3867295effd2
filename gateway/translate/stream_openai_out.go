package translate

import (
	"encoding/json"
	"strconv"
)

// oaChunker writes an OpenAI client's stream: chat.completion.chunk events and
// the closing "data: [DONE]".
type oaChunker struct {
	out *emitter
	// prefix is "data: " and the chunk's JSON up to the delta's first field, for
	// the id and model it was made with; buf is the event being written.
	prefix                []byte
	prefixID, prefixModel string
	buf                   []byte
	id                    string
	model                 string
	created               int64
	started               bool
	chunk                 oaResponse // reused for every chunk
	choice                [1]oaChoice
	space                 [640]byte // where prefix and buf start, so that a stream allocates neither
}

func (t *Translator) newOAChunker(out *emitter, model string) *oaChunker {
	c := new(oaChunker)
	t.initOAChunker(c, out, model)
	return c
}

func (t *Translator) initOAChunker(c *oaChunker, out *emitter, model string) {
	c.out, c.model, c.created = out, model, t.now().Unix()
}

// start writes the first chunk, which gives the role, once.
func (c *oaChunker) start() error {
	if c.started {
		return nil
	}
	c.started = true
	b := append(c.head(), `"role":"assistant","content":""},"finish_reason":null}]}`...)
	return c.send(b)
}

// delta writes one chunk carrying d.
func (c *oaChunker) delta(d *oaRespMessage) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.write(d)
}

// text writes one chunk whose delta is the single string field given (with its
// key, `"content":`), byte for byte what delta would write.
func (c *oaChunker) text(field string, text []byte) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.writeText(field, text, false)
}

// plainText is text for a text that encoding/json writes as it is (see
// exactTextDelta).
func (c *oaChunker) plainText(field string, text []byte) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.writeText(field, text, true)
}

// finish writes the last chunk: its finish_reason, and the usage. OpenAI sends
// usage in a chunk of its own only when asked (stream_options.include_usage);
// the client of a translated stream gets it on the finishing chunk, which the
// SDKs read either way.
func (c *oaChunker) finish(reason string, usage *oaUsage) error {
	if err := c.start(); err != nil {
		return err
	}
	b := append(c.head(), `},"finish_reason":`...)
	b = appendJSONString(b, reason)
	b = append(b, "}]"...)
	if usage != nil {
		b = appendOAUsage(append(b, `,"usage":`...), usage)
	}
	return c.send(append(b, '}'))
}

func (c *oaChunker) write(d *oaRespMessage) error {
	if text, field, ok := singleField(d); ok {
		return c.writeText(field, []byte(text), false)
	}
	c.choice[0] = oaChoice{Delta: d}
	c.chunk = oaResponse{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
		Choices: c.choice[:]}
	data, err := json.Marshal(&c.chunk)
	if err != nil {
		return err
	}
	return c.out.event("", data)
}

// done writes "data: [DONE]", once: the stream is complete after it.
func (c *oaChunker) done() error {
	if c.out.ended {
		return c.out.err
	}
	return c.out.end(doneEvent)
}

var doneEvent = []byte("data: [DONE]\n\n")

// singleField reports whether d holds only content or only reasoning_content,
// the shape of nearly every chunk of a long reply.
func singleField(d *oaRespMessage) (text, field string, ok bool) {
	if d.Role != "" || d.Reasoning != "" || d.ThinkingBlocks != nil || d.ToolCalls != nil || d.Refusal != nil {
		return "", "", false
	}
	switch {
	case d.Content != nil && d.ReasoningContent == "":
		return *d.Content, `"content":`, true
	case d.Content == nil && d.ReasoningContent != "":
		return d.ReasoningContent, `"reasoning_content":`, true
	}
	return "", "", false
}

// writeText writes the chunk encoding/json would for a delta of one text field;
// plain says the text needs no escaping.
func (c *oaChunker) writeText(field string, text []byte, plain bool) error {
	b := c.head()
	if need := len(b) + len(field) + len(text) + 64; cap(b) < need {
		b = append(make([]byte, 0, need+need/2), b...)
	}
	b = append(b, field...)
	if plain {
		b = append(append(append(b, '"'), text...), '"')
	} else {
		b = appendJSONString(b, text)
	}
	return c.send(append(b, `},"finish_reason":null}]}`...))
}

// head starts a chunk's event in c.buf: "data: " and the chunk's JSON up to the
// delta's first field, as encoding/json writes it, for the id and model now set.
func (c *oaChunker) head() []byte {
	if c.prefix == nil || c.prefixID != c.id || c.prefixModel != c.model {
		// The first prefix is written into space (a later one, for another id
		// or model, gets memory of its own).
		p := c.space[:0:prefixSpace]
		if c.prefix != nil {
			p = make([]byte, 0, 112+len(c.id)+len(c.model))
		}
		p = append(p, `data: {"id":`...)
		p = appendJSONString(p, c.id)
		p = append(p, `,"object":"chat.completion.chunk","created":`...)
		p = strconv.AppendInt(p, c.created, 10)
		p = append(p, `,"model":`...)
		p = appendJSONString(p, c.model)
		p = append(p, `,"choices":[{"index":0,"delta":{`...)
		c.prefix, c.prefixID, c.prefixModel = p, c.id, c.model
	}
	if c.buf == nil {
		c.buf = c.space[prefixSpace:prefixSpace]
	}
	return append(c.buf[:0], c.prefix...)
}

// prefixSpace is how much of oaChunker.space the prefix may take; buf has the rest.
const prefixSpace = 192

// send ends the event head began and writes it.
func (c *oaChunker) send(b []byte) error {
	b = append(b, "\n\n"...)
	c.buf = b
	return c.out.raw(b)
}

// appendOAUsage appends u as encoding/json writes an oaUsage.
func appendOAUsage(b []byte, u *oaUsage) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
	if d := u.PromptTokensDetails; d != nil {
		b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
		b = strconv.AppendInt(b, int64(d.CachedTokens), 10)
		b = append(b, '}')
	}
	if d := u.CompletionTokensDetails; d != nil {
		b = append(b, `,"completion_tokens_details":{"reasoning_tokens":`...)
		b = strconv.AppendInt(b, int64(d.ReasoningTokens), 10)
		b = append(b, '}')
	}
	if u.CacheCreationInputTokens != 0 {
		b = append(b, `,"cache_creation_input_tokens":`...)
		b = strconv.AppendInt(b, int64(u.CacheCreationInputTokens), 10)
	}
	return append(b, '}')
}
