package app

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/llmtap/llmtap/capture"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// bigReqWords is n bytes of plain words, as a long pasted document would be.
func bigReqWords(n int) string {
	const words = "the quick brown fox jumps over the lazy dog while a model streams its answer "
	return strings.Repeat(words, n/len(words)+1)[:n]
}

// bigChat is an OpenAI chat request whose last user message is last, after the
// given earlier messages.
func bigChat(t testing.TB, earlier []string, last string) []byte {
	t.Helper()
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var msgs []message
	for i, e := range earlier {
		msgs = append(msgs, message{[]string{"user", "assistant"}[i%2], e})
	}
	b, err := json.Marshal(map[string]any{"model": "m", "messages": append(msgs, message{"user", last})})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShareText(t *testing.T) {
	big := bigReqWords(shareMin + 100)
	tests := []struct {
		name    string
		earlier []string
		last    string
		shared  bool
	}{
		{"plain", nil, big, true},
		{"same_opening_in_earlier_turns", []string{big[:shareMin/2], big[:shareMin-1]}, big, true},
		{"escaped", nil, big + "\n\"quoted\"", false}, // the body holds \n and \", not the text
		{"short", nil, big[:shareMin-1], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := bigChat(t, tt.earlier, tt.last)
			round, err := dataset.ParseOpenAIChat(body, []byte(`{"choices":[{"message":{"role":"assistant","content":"ok"}}]}`))
			if err != nil {
				t.Fatal(err)
			}
			msgs := round.Messages
			shareText(msgs, body)
			got := msgs[len(msgs)-1].Content
			if got != tt.last {
				t.Fatalf("shareText changed the text: %d bytes, want %d", len(got), len(tt.last))
			}
			p := uintptr(unsafe.Pointer(unsafe.StringData(got)))
			start := uintptr(unsafe.Pointer(&body[0]))
			if in := p >= start && p < start+uintptr(len(body)); in != tt.shared {
				t.Errorf("text of %d bytes in the body's memory = %v, want %v", len(got), in, tt.shared)
			}
		})
	}
}

// indexOne logs ex through a real capture pipeline into a store in dir and waits
// until it is indexed. It returns the bytes the Go heap allocated meanwhile.
func indexOne(tb testing.TB, dir string, ex *proxy.Exchange) (*store.DB, uint64) {
	tb.Helper()
	db, err := store.Open(tb.Context(), filepath.Join(dir, "llmtap.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	p, err := capture.Open(tb.Context(), capture.Config{Dir: filepath.Join(dir, "capture"), DB: db, Convert: toCapture, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(tb.Context()) })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p.Capture(tb.Context(), ex)
	if err := p.WaitIndexed(tb.Context(), 1); err != nil {
		tb.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return db, after.TotalAlloc - before.TotalAlloc
}

func bigExchange(body []byte) *proxy.Exchange {
	now := time.Now()
	return &proxy.Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Route: "target", Host: "up", Path: "/v1/chat/completions",
		ReqHeader: http.Header{"Content-Type": {"application/json"}}, ReqBody: body, Status: 200,
		RespHeader: http.Header{"Content-Type": {"application/json"}},
		RespBody:   []byte(`{"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},"finish_reason":"stop"}]}`),
		Start:      now, FirstByte: now, End: now}
}

// TestIndexBigRequest: a request of one 8 MB message is logged, parsed and stored
// with its text whole and a short title, allocating under 3 times its size on the Go
// heap (2.5 now: the log's compressed and decoded copies, the parsed text). It took
// 12 times its size before the title stopped splitting the whole text into words.
func TestIndexBigRequest(t *testing.T) {
	last := bigReqWords(8<<20) + " question"
	body := bigChat(t, nil, last)
	db, alloc := indexOne(t, t.TempDir(), bigExchange(body))
	list, _, err := db.ListConversations(t.Context(), store.ListOptions{})
	if err != nil || len(list) != 1 {
		t.Fatalf("conversations: %+v, %v", list, err)
	}
	if got := list[0].Title; len(got) > 130 || !strings.HasPrefix(got, "the quick brown fox") {
		t.Errorf("title %q, want the text's first 120 characters", got)
	}
	conv, err := db.Conversation(t.Context(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(conv.Messages); n < 1 || conv.Messages[0].Content != last {
		t.Errorf("stored %d messages, first of %d bytes, want the %d-byte text", n, len(conv.Messages[0].Content), len(last))
	}
	if limit := uint64(len(body)) * 3; alloc > limit {
		t.Errorf("indexing a %.1f MB request allocated %.1f MB, want under %.1f MB", bigReqMB(len(body)), bigReqMB(int(alloc)), bigReqMB(int(limit)))
	}
	t.Logf("indexing a %.1f MB request allocated %.1f MB", bigReqMB(len(body)), bigReqMB(int(alloc)))
}

func bigReqMB(n int) float64 { return float64(n) / 1e6 }

// BenchmarkIndexBigRequest reports what logging, parsing and storing one 30 MB
// request allocates on the Go heap (B/op), as issue 11's 30 MB scenario sends it.
//
//	go test -run '^$' -bench IndexBigRequest -benchtime 3x ./app
func BenchmarkIndexBigRequest(b *testing.B) {
	body := bigChat(b, nil, bigReqWords(30_000_000)+" question")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var total uint64
	for i := 0; b.Loop(); i++ {
		_, alloc := indexOne(b, b.TempDir(), bigExchange(body))
		total += alloc
	}
	b.ReportMetric(float64(total)/float64(b.N)/1e6, "MB-alloc/req")
}
