package translate

import (
	"encoding/json"
	"strconv"
)

// oaChunker writes an OpenAI client's stream: chat.completion.chunk events and
// the closing "data: [DONE]".
type oaChunker struct {
	out *emitter
	// prefix is the chunk's JSON up to the delta's first field, for the id and
	// model it was made with.
	prefix                []byte
	prefixID, prefixModel string
	buf                   []byte
	id                    string
	model                 string
	created               int64
	started               bool
	chunk                 oaResponse // reused for every chunk
	choice                [1]oaChoice
}

func (t *Translator) newOAChunker(out *emitter, model string) *oaChunker {
	return &oaChunker{out: out, model: model, created: t.now().Unix()}
}

// start writes the first chunk, which gives the role, once.
func (c *oaChunker) start() error {
	if c.started {
		return nil
	}
	c.started = true
	return c.write(&oaRespMessage{Role: "assistant", Content: ptr("")}, nil, nil)
}

// delta writes one chunk carrying d.
func (c *oaChunker) delta(d *oaRespMessage) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.write(d, nil, nil)
}

// text writes one chunk whose delta is the single string field given (with its
// key, `"content":`), byte for byte what delta would write.
func (c *oaChunker) text(field string, text []byte) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.writeFast(field, text)
}

// finish writes the last chunk: its finish_reason, and the usage. OpenAI sends
// usage in a chunk of its own only when asked (stream_options.include_usage);
// the client of a translated stream gets it on the finishing chunk, which the
// SDKs read either way.
func (c *oaChunker) finish(reason string, usage *oaUsage) error {
	if err := c.start(); err != nil {
		return err
	}
	return c.write(&oaRespMessage{}, &reason, usage)
}

func (c *oaChunker) write(d *oaRespMessage, finish *string, usage *oaUsage) error {
	if finish == nil && usage == nil {
		if text, field, ok := singleField(d); ok {
			return c.writeFast(field, []byte(text))
		}
	}
	c.choice[0] = oaChoice{Delta: d, FinishReason: finish}
	c.chunk = oaResponse{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
		Choices: c.choice[:], Usage: usage}
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

// writeFast writes the chunk encoding/json would for a delta of one text field.
func (c *oaChunker) writeFast(field string, text []byte) error {
	if c.prefix == nil || c.prefixID != c.id || c.prefixModel != c.model {
		p := make([]byte, 0, 96+len(c.id)+len(c.model))
		p = append(p, `{"id":`...)
		p = appendJSONString(p, c.id)
		p = append(p, `,"object":"chat.completion.chunk","created":`...)
		p = strconv.AppendInt(p, c.created, 10)
		p = append(p, `,"model":`...)
		p = appendJSONString(p, c.model)
		p = append(p, `,"choices":[{"index":0,"delta":{`...)
		c.prefix, c.prefixID, c.prefixModel = p, c.id, c.model
	}
	b := append(c.buf[:0], c.prefix...)
	b = append(b, field...)
	b = appendJSONString(b, text)
	b = append(b, `},"finish_reason":null}]}`...)
	c.buf = b
	return c.out.event("", b)
}
