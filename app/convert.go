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

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/llmtap/llmtap/dataset"
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
	}}
	var problems []string
	var err error
	if c.Exchange.ReqBody, err = decodeBody(ex.ReqHeader, ex.ReqBody); err != nil {
		problems = append(problems, "request body: "+err.Error())
	}
	if c.Exchange.RespBody, err = decodeBody(ex.RespHeader, ex.RespBody); err != nil {
		problems = append(problems, "response body: "+err.Error())
	}
	if c.Exchange.Dialect != dataset.Unknown {
		switch why := notThreaded(ex); {
		case len(problems) > 0:
		case why != "":
			problems = append(problems, why)
		default:
			round, err := dataset.Parse(c.Exchange.Dialect, c.Exchange.ReqBody, c.Exchange.RespBody)
			switch {
			case err != nil:
				problems = append(problems, err.Error())
			case round.Incomplete:
				problems = append(problems, "stream ended before its final event: not used for training")
			case len(round.Answers) == 0:
				problems = append(problems, "response held no answer")
			default:
				c.Round = round
			}
		}
	}
	c.Exchange.ParseErr = strings.Join(problems, "; ")
	return c
}

// notThreaded says why an exchange must not become a training turn, or "".
func notThreaded(ex *proxy.Exchange) string {
	switch {
	case ex.Aborted:
		return "client hung up before the answer was complete"
	case ex.Err != "":
		return "exchange failed: " + ex.Err
	case ex.Status < 200 || ex.Status > 299:
		return fmt.Sprintf("upstream answered %d", ex.Status)
	case ex.Truncated:
		return "body larger than the capture limit was truncated"
	}
	return ""
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
