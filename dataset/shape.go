package dataset

import (
	"bytes"
	"encoding/json"
)

// responseShape is how a response body is framed.
type responseShape int

const (
	shapeEmpty  responseShape = iota // no body: the round keeps only its history
	shapeObject                      // a JSON object, or one cut short (objectCut tells)
	shapeStream                      // anything else: SSE, a streamed JSON array, NDJSON
)

// classifyResponse trims body (and a UTF-8 byte order mark) and tells its shape. It
// records on r what the shape says: Stream for a stream. Every dialect's response
// parser starts here, so they agree on those rules. An object is not validated
// here (for a 2 MB answer that was a fifth of parsing it): the parser decodes it
// and, when that fails, asks objectCut whether it was cut short.
func classifyResponse(r *Round, body []byte) (responseShape, []byte) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))
	switch {
	case len(body) == 0:
		return shapeEmpty, body
	case body[0] != '{':
		r.Stream = true
		return shapeStream, body
	}
	r.Stream = false
	return shapeObject, body
}

// objectCut tells, after decoding an object body failed, whether the body is not
// JSON at all: an object cut short, as by a capture size limit. It then marks r
// Incomplete, whose history is still worth keeping while its answer is lost, and
// the parser returns no error.
func objectCut(r *Round, body []byte) bool {
	if json.Valid(body) {
		return false
	}
	r.Incomplete = true
	return true
}
