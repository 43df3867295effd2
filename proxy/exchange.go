package proxy

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/llmtap/llmtap/internal/zpool"
)

// Exchange is one proxied request and its response, as captured. Credentials are
// already redacted when a Sink sees it: from URL and headers, from the request
// body's JSON members and form fields named as credentials, and wherever else a
// value taken out of them appears. Otherwise the bodies are the bytes as they
// crossed the wire (possibly compressed: see RespHeader's Content-Encoding) up to
// the capture limit.
type Exchange struct {
	Method string
	// URL is the upstream URL the request was sent to, with ?key= redacted.
	URL string
	// Route names how the request was routed: "target", "route:NAME", "host:HOST" or
	// "gateway:PROVIDER" (routed by model, see Config.Gateway);
	// in MITM mode "mitm:HOST" (decrypted from a CONNECT tunnel) or "proxy:HOST"
	// (an absolute-form request such as GET http://HOST/path).
	Route string
	// Host is the upstream host (host[:port]).
	Host string
	// Path is the upstream path, e.g. "/v1/chat/completions".
	Path string

	// ReqHeader holds the end-to-end headers sent upstream, credentials redacted.
	ReqHeader http.Header
	// ReqBody is the request body. It may share memory with the body being
	// forwarded, so a Sink must not modify it in place.
	ReqBody []byte
	// ReqZstd, when not nil, holds the request body instead of ReqBody, redacted the
	// same way, as one zstd frame: a body over 1 MiB is forwarded as it arrives and
	// never held whole (see RequestBody), and once its frame passes 1 MiB it waits in
	// a temporary file (Config.SpillDir). ReqLen is what the frame decodes to. The
	// Sink releases the frame (zpool.Frame.Release) once it is done with it.
	ReqZstd *zpool.Frame
	ReqLen  int
	// Status is the upstream's status: 0 when no response came back, including the
	// 413 and 502 errors llmtap answers itself (Err says which).
	Status     int
	RespHeader http.Header
	RespBody   []byte

	// Stream is set for text/event-stream, NDJSON and unknown-length responses.
	Stream bool
	// Truncated is set when a body outgrew the capture limit; the client still got all of it.
	Truncated bool
	// Aborted is set when the client hung up before the response was complete.
	Aborted bool
	// Err says what went wrong (upstream unreachable, reset mid-stream, ...), or "".
	Err string

	Start time.Time
	// FirstByte is when the first response body byte arrived (the headers, for an
	// empty body); zero when no response came back.
	FirstByte time.Time
	End       time.Time
}

// RequestBody returns the request body, decoding ReqZstd when it holds it. (A
// reader of the capture log gets both, the frame beside the body it decoded.)
func (ex *Exchange) RequestBody() ([]byte, error) {
	if ex.ReqZstd == nil || ex.ReqBody != nil {
		return ex.ReqBody, nil
	}
	if f := ex.ReqZstd.File(); f != nil {
		return zpool.DecodeInto(io.NewSectionReader(f, 0, ex.ReqZstd.Size()), ex.ReqLen)
	}
	frame, err := ex.ReqZstd.Bytes()
	if err != nil {
		return nil, err
	}
	return zpool.Decode(frame, make([]byte, 0, ex.ReqLen))
}

// Sink receives exactly one Exchange per proxied request, with Err set when it failed.
// Capture is called before the client can see the end of its answer: the last byte
// of a body of announced length is held back, and a chunked or HTTP/2 body's end and
// llmtap's own error answers go out after Capture returns. So Capture may block until
// the exchange is durable (a capture log's group commit), and what the client has
// received in full is kept. It must return promptly even when the disk fails (count
// and report the loss instead), since every client waits on it. It is called from many
// goroutines at once; the Sink owns ex afterwards. WebSocket sessions are captured
// when they end, after their last message was relayed.
type Sink interface {
	Capture(ctx context.Context, ex *Exchange)
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(ctx context.Context, ex *Exchange)

// Capture calls f(ctx, ex).
func (f SinkFunc) Capture(ctx context.Context, ex *Exchange) { f(ctx, ex) }
