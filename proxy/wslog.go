package proxy

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/wsmsg"
)

// wsLog records one direction of a WebSocket session: its text messages, one per line
// (NDJSON), as the exchange's request body (the client's) or response body (the
// server's). An OpenAI Realtime session is a stream of JSON events each way, and a
// dialect parser rebuilds the conversation from them later, as it does from an SSE
// body. Audio chunks are left out (dataset.RealtimeRecordable): they are most of the
// bytes and no dataset uses them. Each chunk is read after the relay passed it on, so
// nothing here can change or delay it; the copy loop's next read waits for the reading
// (BenchmarkWebSocketRelay measures that).
type wsLog struct {
	r         *wsmsg.Reader
	buf       []byte
	limit     int64
	truncated bool  // a message did not fit under limit
	err       error // the stream stopped making sense here; nothing after it is recorded
}

func newWSLog(o wsmsg.Options, limit int64) *wsLog {
	l := &wsLog{limit: limit}
	o.Text = l.text
	l.r = wsmsg.New(o)
	return l
}

// wsLogs makes the two logs of a session from the Sec-WebSocket-Extensions of the
// upstream's 101 answer, which say whether messages are compressed
// (permessage-deflate) and how.
func wsLogs(extensions []string, limit int64) (client, server *wsLog) {
	ext := wsmsg.ParseExtensions(extensions)
	client = newWSLog(wsmsg.Options{Compressed: ext.On, NoContextTakeover: ext.ClientNoContextTakeover}, limit)
	server = newWSLog(wsmsg.Options{Compressed: ext.On, NoContextTakeover: ext.ServerNoContextTakeover}, limit)
	return client, server
}

// write feeds the next bytes of the stream; after a protocol error it ignores them.
func (l *wsLog) write(p []byte) {
	if l == nil || l.err != nil {
		return
	}
	_, l.err = l.r.Write(p)
}

// text keeps one message as one line. JSON spread over lines is compacted so that the
// body stays NDJSON, and other text over lines is kept as a JSON string. (A message
// on one line is kept as it is, unchecked: validating each one would cost more than
// reading it; the parser skips a line that is not JSON.)
func (l *wsLog) text(msg []byte) {
	if l.truncated || !dataset.RealtimeRecordable(msg) {
		return
	}
	line := msg
	if bytes.ContainsAny(msg, "\r\n") {
		var b bytes.Buffer
		if json.Compact(&b, msg) == nil {
			line = b.Bytes()
		} else {
			line, _ = json.Marshal(string(msg))
		}
	}
	if int64(len(l.buf)+len(line)+1) > l.limit {
		l.truncated = true // whole messages or none: a cut line would not parse
		return
	}
	l.buf = append(l.buf, line...)
	l.buf = append(l.buf, '\n')
}

// copyTap copies src to dst, each read written at once, until either fails; each
// chunk goes to tap (which may be nil) after dst has it.
func copyTap(dst io.Writer, src io.Reader, tap *wsLog) {
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	buf := *bufp
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			tap.write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}
