package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/llmtap/llmtap/internal/prose"
)

// Request headers the load client sets to tell the fake upstream what to answer, so
// that one upstream serves every shape of a run (forwarded untouched by both proxies).
const (
	hdrReplyBytes = "X-Load-Reply-Bytes" // size of the reply's content; default 200
	hdrStream     = "X-Load-Stream"      // "1": answer as SSE chunks
	hdrProse      = "X-Load-Reply-Prose" // "1": the reply's content is prose.Text
)

// sseChunk is the content carried by one SSE event: 2 MB replies come as ~256 events,
// near what a fast model streams.
const sseChunk = 8 << 10

// upstream is a fake OpenAI chat completions API on 127.0.0.1: it reads the whole
// request and answers with a reply of the asked size, as one JSON body with
// Content-Length or as an SSE stream (chunked, flushed per event). Replies are built
// once per size and shared, so the test process spends little CPU on them.
type upstream struct {
	srv     *httptest.Server
	mu      sync.Mutex
	replies map[string][]byte // "json/N" or "sse/N" → the body
}

func newUpstream(t testing.TB) *upstream {
	t.Helper()
	u := &upstream{replies: map[string][]byte{}}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) URL() string { return u.srv.URL }

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return // the proxy hung up
	}
	n := 200
	if v := r.Header.Get(hdrReplyBytes); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			http.Error(w, "bad "+hdrReplyBytes, http.StatusBadRequest)
			return
		}
	}
	prose := r.Header.Get(hdrProse) == "1"
	if r.Header.Get(hdrStream) != "1" {
		body := u.reply("json", n, prose)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	body := u.reply("sse", n, prose)
	for len(body) > 0 {
		i := bytes.Index(body[:min(len(body), sseChunk+512)], []byte("\n\n"))
		if i < 0 {
			i = len(body) - 2
		}
		if _, err := w.Write(body[:i+2]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		body = body[i+2:]
	}
}

// reply returns the body of a reply in the given form with n bytes of content: words
// of prose.Text when prose, else one phrase repeated.
func (u *upstream) reply(form string, n int, prose bool) []byte {
	key := fmt.Sprintf("%s/%d/%v", form, n, prose)
	u.mu.Lock()
	defer u.mu.Unlock()
	if b, ok := u.replies[key]; ok {
		return b
	}
	text := filler
	if prose {
		text = proseFiller
	}
	var b []byte
	if form == "json" {
		b, _ = json.Marshal(map[string]any{
			"id": "chatcmpl-load", "object": "chat.completion", "created": 1, "model": "load-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": text(n)}}},
			"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": n / 4, "total_tokens": 10 + n/4},
		})
	} else {
		var sb strings.Builder
		event := func(delta map[string]any, finish any) {
			e, _ := json.Marshal(map[string]any{"id": "chatcmpl-load", "object": "chat.completion.chunk",
				"created": 1, "model": "load-model",
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
			sb.WriteString("data: ")
			sb.Write(e)
			sb.WriteString("\n\n")
		}
		event(map[string]any{"role": "assistant", "content": ""}, nil)
		content := text(n)
		for len(content) > 0 {
			i := min(len(content), sseChunk)
			for i < len(content) && !utf8.RuneStart(content[i]) {
				i++ // a character is never cut between two events
			}
			event(map[string]any{"content": content[:i]}, nil)
			content = content[i:]
		}
		event(map[string]any{}, "stop")
		sb.WriteString("data: [DONE]\n\n")
		b = []byte(sb.String())
	}
	u.replies[key] = b
	return b
}

// proseFiller is about n bytes of prose.Text, English and Chinese words that
// compress as real text does (~3x), whole characters only.
func proseFiller(n int) string { return strings.ToValidUTF8(prose.Text(n), "") }

// filler is n bytes of plain words, so the reply compresses like text rather than
// like one repeated byte (one phrase said over and over: ~1000x).
func filler(n int) string {
	const words = "the quick brown fox jumps over the lazy dog while a model streams its answer "
	return strings.Repeat(words, n/len(words)+1)[:n]
}
