package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unsafe"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/gateway/cache"
	"github.com/llmtap/llmtap/gateway/keys"
	"github.com/llmtap/llmtap/internal/zpool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// maxDecoded bounds a decompressed body, so a compression bomb cannot exhaust memory.
const maxDecoded = 256 << 20

// toCapture turns a proxied exchange into what the store keeps: bodies decoded, the
// dialect recognised, and the chat round parsed when the exchange completed.
func toCapture(ex *proxy.Exchange) store.Capture {
	c := store.Capture{Exchange: store.Exchange{
		Method: ex.Method, URL: ex.URL, Route: ex.Route, Host: ex.Host, Path: ex.Path,
		Status: ex.Status, ReqHeader: ex.ReqHeader, RespHeader: ex.RespHeader,
		Stream: ex.Stream, Truncated: ex.Truncated, Aborted: ex.Aborted, Err: ex.Err,
		Start: ex.Start, FirstByte: ex.FirstByte, End: ex.End,
		Dialect: dataset.DetectDialect(ex.Method, ex.Path),
		// Marks the gateway sets (issue 13): on the answer it served from its cache,
		// and on the captured request copy, the forward key's id.
		CacheHit:   strings.EqualFold(ex.RespHeader.Get(cache.Header), "hit"),
		ForwardKey: ex.ReqHeader.Get(keys.CaptureHeader),
	}}
	var problems []string
	var err error
	raw, frame := requestBody(ex)
	if c.Exchange.ReqBody, err = decodeBody(ex.ReqHeader, raw); err != nil {
		problems = append(problems, reqBodyProblem+err.Error())
	}
	if c.Exchange.RespBody, err = decodeBody(ex.RespHeader, ex.RespBody); err != nil {
		problems = append(problems, respBodyProblem+err.Error())
	}
	// A body over store.MaxRefBody that came with its frame (and needed no decoding)
	// is stored as that frame: the decoded copy is needed only to parse, so the round
	// may take it over (dataset.ParseOwned: a 30 MB text is not copied out of it),
	// and it goes before the write. What reads its JSON reads it first.
	big := frame != nil && len(raw) > store.MaxRefBody && sameBytes(c.Exchange.ReqBody, raw)
	c.Exchange.Model = dataset.RequestModel(ex.Path, c.Exchange.ReqBody)
	if c.Exchange.Dialect.Chat() {
		o := outcome{aborted: ex.Aborted, truncated: ex.Truncated, err: ex.Err, status: ex.Status, cacheHit: c.Exchange.CacheHit}
		parse := dataset.Parse
		if big {
			parse = dataset.ParseOwned
		}
		c.Round, problems = decideRoundOf(c.Exchange.Dialect, ex.Path, ex.ReqHeader, c.Exchange.ReqBody, c.Exchange.RespBody, o, problems, parse)
		if c.Round != nil {
			shareText(c.Round.Messages, c.Exchange.ReqBody)
			c.ParsedFromBodies = true // from the bodies the store keeps: a long answer is stored once
		}
	}
	if big {
		c.ReqZstd, c.ReqLen = frame, len(raw)
		c.Exchange.ReqBody = nil
	}
	if c.Exchange.Model == "" && c.Round != nil {
		c.Exchange.Model = c.Round.Model
	}
	c.Exchange.ParseErr = strings.Join(problems, "; ")
	return c
}

// requestBody returns ex's request body and, when ex came with it (the capture log's
// record: Exchange.ReqZstd beside ReqBody), its zstd frame, which may lie in the
// log's file. An exchange holding its body only as the proxy's frame is decoded
// from it.
func requestBody(ex *proxy.Exchange) (body []byte, frame *zpool.Frame) {
	if ex.ReqZstd == nil || ex.ReqBody != nil {
		return ex.ReqBody, ex.ReqZstd
	}
	body, err := ex.RequestBody()
	if err != nil {
		return nil, nil
	}
	return body, ex.ReqZstd
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

// shareMin is the length from which a message's text is looked for in the request
// body, to share its memory.
const shareMin = 1 << 20

// shareText points the text of each message of at least shareMin bytes at the same
// bytes in body, where body holds them as they are (a JSON string with nothing
// escaped, the usual case), so that a 30 MB message is held once while it is
// stored, in the body the store keeps anyway, and the parser's copy is let go.
// body is never modified afterwards: the indexer owns it, and the store only reads it.
func shareText(msgs []dataset.Message, body []byte) {
	for i := range msgs {
		if len(msgs[i].Content) >= shareMin {
			msgs[i].Content = sharedIn(body, msgs[i].Content)
		}
	}
}

// sharedIn returns s as a string sharing body's memory, or s when body does not
// hold it where its closing bytes (a JSON string's end) or its opening bytes
// appear, looked for a few times from the end and from the start: the big message
// is most often the last one, and earlier turns may open the same way.
func sharedIn(body []byte, s string) string {
	const probe, tries = 64, 16
	if len(body) > 0 {
		start, p := uintptr(unsafe.Pointer(&body[0])), uintptr(unsafe.Pointer(unsafe.StringData(s)))
		if p >= start && p < start+uintptr(len(body)) {
			return s // in the body already (dataset.ParseOwned)
		}
	}
	at := func(i int) bool { return i >= 0 && len(body)-i >= len(s) && string(body[i:i+len(s)]) == s }
	tail := []byte(s[len(s)-probe:] + `"`)
	for end, n := len(body), 0; n < tries; n++ {
		i := bytes.LastIndex(body[:end], tail)
		if i < 0 {
			break
		}
		if start := i + probe - len(s); at(start) {
			return unsafe.String(&body[start], len(s))
		}
		end = i + len(tail) - 1
	}
	head := []byte(s[:probe])
	for from, n := 0, 0; n < tries; n++ {
		i := bytes.Index(body[from:], head)
		if i < 0 {
			break
		}
		if at(from + i) {
			return unsafe.String(&body[from+i], len(s))
		}
		from += i + 1
	}
	return s
}

var errUnsupportedEncoding = errors.New("unsupported content encoding")

// decodeBody removes Content-Encoding from a captured body. On failure it returns
// the raw bytes along with the error, so nothing is lost.
func decodeBody(h http.Header, body []byte) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || len(body) == 0 {
		return body, nil
	}
	var r io.Reader
	var err error
	switch enc {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		// "deflate" is zlib-wrapped by the spec, but some servers send raw deflate.
		if r, err = zlib.NewReader(bytes.NewReader(body)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(body)), nil
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "zstd":
		var zr *zstd.Decoder
		// One goroutine and a bounded window: this runs once per body on the writer.
		zr, err = zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecoded))
		if err == nil {
			defer zr.Close()
			r = zr
		}
	default:
		return body, fmt.Errorf("%w %q: stored as received", errUnsupportedEncoding, enc)
	}
	if err != nil {
		return body, fmt.Errorf("decode %s: %w", enc, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxDecoded+1))
	if err != nil {
		return body, fmt.Errorf("decode %s: %w: stored as received", enc, err)
	}
	if len(out) > maxDecoded {
		return body, fmt.Errorf("decode %s: larger than %d MiB decoded: stored as received", enc, maxDecoded>>20)
	}
	return out, nil
}
