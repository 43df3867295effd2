package dataset

import (
	"encoding/json"
	"strings"
)

// The reflection-free path of the request side of OpenAI Chat Completions (issue
// 11): encoding/json checked a whole request (the history) and then decoded it
// with reflection, nine tenths of ParseOpenAIChat and most of the CPU of a reindex.
// Like the chunk decoder it is strict, and anything it is not sure to read as
// encoding/json does goes to encoding/json (FuzzOpenAIRequest holds the two to the
// same struct).

var (
	openaiRequestFields = []string{"model", "messages", "tools", "functions", "stream", "continue_final_message"}
	openaiPartFields    = []string{"type", "text", "image_url", "input_audio", "file"}
	openaiDetailFields  = []string{"type", "text", "summary", "data", "signature"}
	requestModelFields  = []string{"model"}
)

// decodeOpenAIRequest decodes a request body into r as json.Unmarshal(body, r)
// does into a zero r, error included.
func decodeOpenAIRequest(body []byte, r *openaiRequest, owned bool) error {
	if fastOpenAIRequest(body, r, owned) {
		return nil
	}
	*r = openaiRequest{}
	return json.Unmarshal(body, r)
}

// fastOpenAIRequest is the lexer's path of decodeOpenAIRequest; false means it
// could not be sure to read body as encoding/json does, and r is then garbage.
// Message contents alias body (openaiContentJSON.keep), which the caller holds
// while it reads them.
func fastOpenAIRequest(body []byte, r *openaiRequest, owned bool) bool {
	*r = openaiRequest{}
	l := jsonLexer{b: body, owned: owned}
	l.ws()
	return l.openaiRequest(r) && l.end()
}

func (l *jsonLexer) openaiRequest(r *openaiRequest) bool {
	return l.object(openaiRequestFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&r.Model)
		case 1:
			if l.null() {
				return true
			}
			// A history's messages, in one array grown as they are read.
			msgs := make([]openaiMessage, 0, 8)
			ok := l.array(func() bool {
				msgs = append(msgs, openaiMessage{})
				return l.openaiMessage(&msgs[len(msgs)-1])
			})
			r.Messages = msgs
			return ok
		case 2:
			// json.RawMessage keeps null as its text too.
			raw, ok := l.raw()
			r.Tools = raw
			return ok
		case 3:
			if l.null() {
				return true
			}
			// A null element is a json.RawMessage "null" for encoding/json too.
			fns := []json.RawMessage{}
			ok := l.elements(func() bool {
				raw, ok := l.raw()
				fns = append(fns, raw)
				return ok
			})
			r.Functions = fns
			return ok
		case 4:
			return l.boolField(&r.Stream)
		case 5:
			return l.boolField(&r.ContinueFinalMessage)
		}
		return false
	})
}

// openaiReasoningDetails reads OpenRouter's reasoning_details; null is nil.
func (l *jsonLexer) openaiReasoningDetails(dst *[]openaiReasoningDetail) bool {
	if l.null() {
		*dst = nil
		return true
	}
	details := []openaiReasoningDetail{}
	ok := l.array(func() bool {
		details = append(details, openaiReasoningDetail{})
		d := &details[len(details)-1]
		return l.object(openaiDetailFields, func(k int) bool {
			return l.stringField([]*string{&d.Type, &d.Text, &d.Summary, &d.Data, &d.Signature}[k])
		})
	})
	*dst = details
	return ok
}

// fastOpenAIParts reads a content array of parts as openaiContent's encoding/json
// path (jsonOpenAIParts) does; false when it is not sure to. A part that is not
// an object, or holds a value of another type, is skipped by encoding/json and
// refused here.
func fastOpenAIParts(raw []byte) (string, []Media, bool) {
	texts, media, _, ok := lexOpenAIParts(raw, 0)
	if !ok {
		return "", nil, false
	}
	return strings.Join(texts, "\n"), media, true
}

// lexOpenAIParts reads a content array of parts into its texts and media, as
// fastOpenAIParts does; when longFrom > 0 it leaves each text of longFrom bytes or
// more unread and returns it (longText.block is its index in texts, which holds a
// placeholder), for the caller to decode where it lies once the whole array is read
// (see lexAnthropicBlocks).
func lexOpenAIParts(raw []byte, longFrom int) (texts []string, media []Media, long []longText, ok bool) {
	l := jsonLexer{b: raw}
	ok = l.array(func() bool {
		var p openaiPart
		var pending []byte
		if !l.openaiPart(&p, func() (bool, bool) {
			// A text given twice is the last one, as encoding/json reads it.
			if pending = l.longString(longFrom); pending == nil {
				return false, true
			}
			p.Text = "\x00" // not empty, as the text is not
			return true, true
		}) {
			return false
		}
		n := len(texts)
		texts, media = p.keep(texts, media)
		if pending != nil && len(texts) > n {
			long = append(long, longText{block: n, raw: pending})
		}
		return true
	})
	if !ok || !l.end() {
		return nil, nil, nil, false
	}
	return texts, media, long, true
}

// openaiPart reads one part into p. text, when not nil, is offered its "text"
// member first: it reports whether it took it, and whether that went well.
func (l *jsonLexer) openaiPart(p *openaiPart, text func() (took, ok bool)) bool {
	return l.object(openaiPartFields, func(k int) bool {
		switch k {
		case 0:
			return l.stringField(&p.Type)
		case 1:
			if text != nil {
				if took, ok := text(); took || !ok {
					return ok
				}
			}
			return l.stringField(&p.Text)
		case 2:
			return lexPtr(l, &p.ImageURL, func(u *openaiImageURL) bool {
				return l.object(requestURLFields, func(int) bool { return l.stringField(&u.URL) })
			})
		case 3:
			return lexPtr(l, &p.InputAudio, func(a *openaiInputAudio) bool {
				return l.object(inputAudioFields, func(k int) bool {
					return l.stringField([]*string{&a.Data, &a.Format}[k])
				})
			})
		}
		return lexPtr(l, &p.File, func(f *openaiFile) bool {
			return l.object(fileFields, func(k int) bool {
				return l.stringField([]*string{&f.FileData, &f.FileID, &f.Filename}[k])
			})
		})
	})
}

var (
	requestURLFields = []string{"url"}
	inputAudioFields = []string{"data", "format"}
	fileFields       = []string{"file_data", "file_id", "filename"}
)

// lexPtr reads a value into a new *T, as encoding/json does a pointer field that
// was nil: null leaves it nil.
func lexPtr[T any](l *jsonLexer, dst **T, read func(*T) bool) bool {
	if l.null() {
		*dst = nil
		return true
	}
	*dst = new(T)
	return read(*dst)
}

// requestModelFast is RequestModel's lexer path: the top-level "model" string of
// a JSON object, with the rest checked as encoding/json checks it; false when it
// is not sure to read body as encoding/json does.
func requestModelFast(body []byte) (string, bool) {
	var model string
	l := jsonLexer{b: body}
	l.ws()
	ok := l.object(requestModelFields, func(int) bool { return l.stringField(&model) })
	return model, ok && l.end()
}
