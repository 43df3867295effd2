package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// writeScenario is a shape of traffic for BenchmarkWrite.
type writeScenario struct {
	name string
	// turns is how many user turns a session grows to; 0: every exchange is a
	// distinct chat whose request already holds three user turns.
	turns int
	// timed is how many of a session's last exchanges are measured; the ones before
	// are stored before the timer starts, so the rate is that of long histories.
	timed int
	// agent sessions carry a system prompt, a tool list, tool calls and tool results,
	// as a coding agent sends them.
	agent bool
	// chinese sessions talk in Chinese, which the store also indexes in pairs of
	// characters (store/script.go).
	chinese bool
	// replyBytes, when set, makes every answer of a distinct chat a text of about that
	// many bytes of varied words (a big reply), and the rate is also given in MB/s.
	replyBytes int
}

// BenchmarkWrite measures threading and indexing: wire-format request and response
// bodies (OpenAI chat, every other one streamed as SSE) parsed as the recorder
// parses them, then stored through store.DB.Write in batches of synthBatch, on a real
// SQLite file, each batch converted while the one before is written (as the indexer
// does). Sessions are interleaved the way concurrent clients send them, and
// each exchange of a session adds one user turn (or tool result) and one answer.
//
//	go test -run '^$' -bench Write -benchtime 2000x ./app
func BenchmarkWrite(b *testing.B) {
	for _, sc := range []writeScenario{
		{name: "distinct_chats_3_turns"},
		{name: "distinct_chats_3_turns_chinese", chinese: true},
		{name: "sessions_20_turns", turns: 20, timed: 10},
		{name: "agent_sessions_100_turns", turns: 100, timed: 20, agent: true},
		{name: "reply_2mb", replyBytes: 2 << 20},
	} {
		b.Run(sc.name, func(b *testing.B) { benchWrite(b, sc) })
	}
}

func benchWrite(b *testing.B, sc writeScenario) {
	db, err := store.Open(b.Context(), filepath.Join(b.TempDir(), "llmtap.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	warm, timed, sessions := writeTraffic(sc, b.N)
	// The recorder writes with a context that is never done (its captures outlive
	// requests); the driver then runs each statement on the calling goroutine.
	ctx := context.WithoutCancel(b.Context())
	// As capture/indexer.go does, the next batch is converted (decoded, parsed) while
	// this one is written, on the core SQLite leaves idle; LLMTAP_BENCH_SEQUENTIAL=1
	// converts and writes in turn, as this benchmark did before.
	sequential := os.Getenv("LLMTAP_BENCH_SEQUENTIAL") == "1"
	store := func(exs []*proxy.Exchange) {
		convert := func(i int) <-chan []store.Capture {
			ch := make(chan []store.Capture, 1)
			batch := exs[i:min(i+synthBatch, len(exs))]
			if sequential {
				ch <- captures(batch)
			} else {
				go func() { ch <- captures(batch) }()
			}
			return ch
		}
		var ahead <-chan []store.Capture
		for i := 0; i < len(exs); i += synthBatch {
			if ahead == nil {
				ahead = convert(i)
			}
			caps := <-ahead
			ahead = nil
			if !sequential && i+synthBatch < len(exs) {
				ahead = convert(i + synthBatch)
			}
			if err := db.Write(ctx, caps); err != nil {
				b.Fatal(err)
			}
		}
	}
	store(warm)
	var reqBytes, respBytes int
	for _, ex := range timed {
		reqBytes += len(ex.ReqBody)
		respBytes += len(ex.RespBody)
	}
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	store(timed)
	b.StopTimer()
	// On a machine shared with other work the wall clock measures the neighbours
	// too; the CPU this process spent is what storing costs.
	if cpu1, ok := processCPU(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "exchanges/cpu-s")
		if sc.replyBytes > 0 {
			b.ReportMetric(float64(respBytes)/1e6/(cpu1-cpu0).Seconds(), "reply-MB/cpu-s")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
	b.ReportMetric(float64(reqBytes)/float64(b.N), "req-bytes/op")
	if sc.replyBytes > 0 {
		b.ReportMetric(float64(respBytes)/1e6/b.Elapsed().Seconds(), "reply-MB/s")
	}
	// Speed must not change where rounds land: one conversation per session.
	counts, err := db.Counts(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	if counts.Conversations != int64(sessions) {
		b.Fatalf("%d conversations after %d sessions, want one each", counts.Conversations, sessions)
	}
}

// writeTraffic returns the exchanges to store before the timer (warm) and the n to
// measure, and how many conversations they make.
func writeTraffic(sc writeScenario, n int) (warm, timed []*proxy.Exchange, sessions int) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	next := func() time.Time { at = at.Add(time.Second); return at }
	if sc.turns == 0 {
		for i := range n {
			s := &benchSession{id: i, chinese: sc.chinese}
			s.addTurn(nil)
			for range 2 {
				s.addTurn(s.answer())
			}
			ex := s.exchange(next())
			if sc.replyBytes > 0 {
				ex.RespBody = bigResponse(i, sc.replyBytes)
				ex.RespHeader, ex.Stream = http.Header{"Content-Type": {"application/json"}}, false
			}
			timed = append(timed, ex)
		}
		return nil, timed, n
	}
	sessions = (n + sc.timed - 1) / sc.timed
	all := make([]*benchSession, sessions)
	for i := range all {
		all[i] = &benchSession{id: i, agent: sc.agent}
	}
	// Round robin over the sessions, as concurrent clients interleave.
	for turn := 0; turn < sc.turns; turn++ {
		for _, s := range all {
			if turn < sc.turns-sc.timed {
				warm = append(warm, s.exchange(next()))
			} else if len(timed) < n {
				timed = append(timed, s.exchange(next()))
			}
		}
	}
	return warm, timed, sessions
}

// benchSession is one client's conversation, grown one exchange at a time.
type benchSession struct {
	id      int
	agent   bool
	chinese bool
	msgs    []map[string]any // the history sent so far, wire format
	turn    int
}

const benchSystemPrompt = "You are a coding agent working in the user's repository. Read files before changing " +
	"them, run the tests after every change, keep diffs small and explain what you did in one paragraph. "

// benchTools is the tool list an agent sends with every request.
var benchTools = []any{
	map[string]any{"type": "function", "function": map[string]any{"name": "read_file", "description": "Read a file",
		"parameters": map[string]any{"type": "object", "properties": map[string]any{"path": map[string]any{"type": "string"}}}}},
	map[string]any{"type": "function", "function": map[string]any{"name": "run", "description": "Run a shell command",
		"parameters": map[string]any{"type": "object", "properties": map[string]any{"cmd": map[string]any{"type": "string"}}}}},
}

// answer is the assistant message of the session's current turn: for an agent every
// other one calls a tool, whose result is the next turn.
func (s *benchSession) answer() map[string]any {
	if s.agent && s.turn%2 == 0 {
		return map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": fmt.Sprintf("call_%d_%d", s.id, s.turn), "type": "function",
			"function": map[string]any{"name": "read_file", "arguments": fmt.Sprintf(`{"path":"pkg/f%d.go"}`, s.turn)}}}}
	}
	if s.chinese {
		return map[string]any{"role": "assistant", "content": fmt.Sprintf("任务%d的第%d步已经完成，测试都通过了。", s.id, s.turn)}
	}
	return map[string]any{"role": "assistant", "content": fmt.Sprintf("Done with step %d of task %d; the tests pass.", s.turn, s.id)}
}

// addTurn appends the turn the client sends next after answer: a tool result when
// the answer called a tool, else a user message.
func (s *benchSession) addTurn(answer map[string]any) {
	if answer != nil {
		s.msgs = append(s.msgs, answer)
	}
	if calls, ok := answer["tool_calls"].([]any); ok {
		id := calls[0].(map[string]any)["id"]
		s.msgs = append(s.msgs, map[string]any{"role": "tool", "tool_call_id": id,
			"content": fmt.Sprintf("package pkg\n\nfunc F%d() int { return %d }\n", s.turn, s.turn)})
	} else if s.chinese {
		s.msgs = append(s.msgs, map[string]any{"role": "user",
			"content": fmt.Sprintf("任务%d，第%d步：现在也处理下一个情况。", s.id, s.turn)})
	} else {
		s.msgs = append(s.msgs, map[string]any{"role": "user",
			"content": fmt.Sprintf("Task %d, step %d: now handle the next case as well.", s.id, s.turn)})
	}
	s.turn++
}

// exchange sends the history with one new turn and returns the exchange carrying
// its answer, streamed as SSE on odd turns.
func (s *benchSession) exchange(at time.Time) *proxy.Exchange {
	if s.turn == 0 {
		s.addTurn(nil)
	}
	stream := s.turn%2 == 1
	msgs := s.msgs
	req := map[string]any{"model": "gpt-test", "messages": msgs, "stream": stream}
	if s.agent {
		msgs = append([]map[string]any{{"role": "system", "content": benchSystemPrompt}}, msgs...)
		req["messages"], req["tools"] = msgs, benchTools
	}
	reqBody, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	answer := s.answer()
	ex := &proxy.Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Route: "target", Host: "up",
		Path: "/v1/chat/completions", Status: http.StatusOK, Stream: stream, ReqBody: reqBody,
		ReqHeader:  http.Header{"Content-Type": {"application/json"}, "User-Agent": {"bench/1.0"}},
		RespHeader: http.Header{"Content-Type": {"application/json"}},
		RespBody:   benchResponse(answer, stream, len(msgs)), Start: at, FirstByte: at, End: at}
	if stream {
		ex.RespHeader = http.Header{"Content-Type": {"text/event-stream"}}
	}
	s.addTurn(answer)
	return ex
}

// benchResponse is the wire form of answer: a chat.completion, or its SSE chunks.
func benchResponse(answer map[string]any, stream bool, history int) []byte {
	finish := "stop"
	if answer["tool_calls"] != nil {
		finish = "tool_calls"
	}
	usage := map[string]any{"prompt_tokens": 30 * history, "completion_tokens": 20, "total_tokens": 30*history + 20}
	if !stream {
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test",
			"choices": []any{map[string]any{"index": 0, "message": answer, "finish_reason": finish}}, "usage": usage})
		return b
	}
	var out strings.Builder
	chunk := func(delta map[string]any, finish any, usage any) {
		choices := []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}
		if usage != nil {
			choices = []any{}
		}
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-test",
			"choices": choices, "usage": usage})
		fmt.Fprintf(&out, "data: %s\n\n", b)
	}
	if calls, ok := answer["tool_calls"].([]any); ok {
		call := calls[0].(map[string]any)
		fn := call["function"].(map[string]any)
		chunk(map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"index": 0,
			"id": call["id"], "type": "function", "function": map[string]any{"name": fn["name"], "arguments": ""}}}}, nil, nil)
		args := fn["arguments"].(string)
		for i := 0; i < len(args); i += 8 {
			chunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0,
				"function": map[string]any{"arguments": args[i:min(i+8, len(args))]}}}}, nil, nil)
		}
	} else {
		chunk(map[string]any{"role": "assistant", "content": ""}, nil, nil)
		for _, w := range strings.SplitAfter(answer["content"].(string), " ") {
			chunk(map[string]any{"content": w}, nil, nil)
		}
	}
	chunk(map[string]any{}, finish, nil)
	chunk(nil, nil, usage)
	out.WriteString("data: [DONE]\n\n")
	return []byte(out.String())
}

// processCPU is the CPU time (user and system) the process has used, from
// /proc/self/stat; false where there is none.
func processCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The command name, field 2, may hold spaces; the fields after it do not.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * (time.Second / 100), true // USER_HZ is 100 on Linux
}

// bigResponse is a chat.completion whose answer is about n bytes of words drawn
// from a vocabulary of 50,000 with the skew of natural text (Zipf): one text
// repeated would compress to nothing and index as a handful of terms, and words
// equally likely would miss every cache as no prose does. seed makes each answer
// different.
func bigResponse(seed, n int) []byte {
	rng := rand.New(rand.NewSource(int64(seed)))
	zipf := rand.NewZipf(rng, 1.1, 2, 50_000-1)
	var text strings.Builder
	for text.Len() < n {
		fmt.Fprintf(&text, "w%x ", zipf.Uint64())
	}
	b, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": text.String()}}}})
	return b
}

// captures turns a batch of exchanges into store captures (toCapture) on every
// core, as the capture indexer does before its write transaction.
func captures(batch []*proxy.Exchange) []store.Capture {
	caps := make([]store.Capture, len(batch))
	workers := min(runtime.GOMAXPROCS(0), len(batch))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(batch); i = int(next.Add(1) - 1) {
				caps[i] = toCapture(batch[i])
			}
		}()
	}
	wg.Wait()
	return caps
}
