package dataset

import (
	"bytes"
	"encoding/json"
)

// responseShape is how a response body is framed.
type responseShape int

const (
	shapeEmpty  responseShape = iota // no body: the round keeps only its history
	shapeObject                      // one complete JSON object
	shapeCut                         // a JSON object cut short, as by a capture size limit
	shapeStream                      // anything else: SSE, a streamed JSON array, NDJSON
)

// classifyResponse trims body (and a UTF-8 byte order mark) and tells its shape. It
// records on r what the shape says: Stream for a stream, and Incomplete for a cut
// object, whose history is still worth keeping while its answer is lost. Every
// dialect's response parser starts here, so they agree on those rules.
func classifyResponse(r *Round, body []byte) (responseShape, []byte) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))
	switch {
	case len(body) == 0:
		return shapeEmpty, body
	case body[0] != '{':
		r.Stream = true
		return shapeStream, body
	case !json.Valid(body):
		r.Stream, r.Incomplete = false, true
		return shapeCut, body
	}
	r.Stream = false
	return shapeObject, body
}
