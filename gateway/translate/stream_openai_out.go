package translate

import "encoding/json"

// oaChunker writes an OpenAI client's stream: chat.completion.chunk events and
// the closing "data: [DONE]".
type oaChunker struct {
	out     *emitter
	id      string
	model   string
	created int64
	started bool
	chunk   oaResponse // reused for every chunk
	choice  [1]oaChoice
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
	c.choice[0] = oaChoice{Delta: d, FinishReason: finish}
	c.chunk = oaResponse{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
		Choices: c.choice[:], Usage: usage}
	data, err := json.Marshal(&c.chunk)
	if err != nil {
		return err
	}
	return c.out.event("", data)
}

func (c *oaChunker) done() error {
	return c.out.raw([]byte("data: [DONE]\n\n"))
}
