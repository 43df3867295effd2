package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// benchTraffic returns n exchanges of mixed shapes, interleaved the way a person
// who runs a chat frontend and a coding agent side by side produces them: chats of
// 50 requests whose histories grow to 100 messages, with a system prompt that
// changes every turn and an injected note (SillyTavern), agent sessions resending a
// 20 KB system prompt, a regeneration every 10th request and an upstream error
// every 20th.
func benchTraffic(t testing.TB, n int) []*proxy.Exchange {
	const perChat, parallel = 50, 20
	agentPrompt := strings.Repeat("You are a careful coding agent. Follow the rules. ", 400)
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	out := make([]*proxy.Exchange, 0, n)
	for base := 0; len(out) < n; base += parallel {
		hist := make([][]string, parallel)
		for step := 0; step < perChat && len(out) < n; step++ {
			for c := 0; c < parallel && len(out) < n; c++ {
				chat := base + c
				agent := chat%3 == 0
				msgs := []string{"system", fmt.Sprintf("Turn %d. You are character %d. %s", step, chat, strings.Repeat("Lore. ", 50))}
				if agent {
					msgs = []string{"system", agentPrompt}
				}
				for i, m := range hist[c] {
					msgs = append(msgs, []string{"user", "assistant"}[i%2], m)
				}
				if !agent && len(hist[c]) > 4 {
					// An author's note four messages from the end, as SillyTavern injects it.
					at := len(msgs) - 8
					msgs = append(msgs[:at:at], append([]string{"system", "[Author's note: stay in character]"}, msgs[at:]...)...)
				}
				question := fmt.Sprintf("chat %d question %d: %s", chat, step, strings.Repeat("tell me more about it. ", 6))
				msgs = append(msgs, "user", question)
				answer := fmt.Sprintf("chat %d answer %d: %s", chat, step, strings.Repeat("here is a detailed reply. ", 8))
				status := 200
				switch {
				case step%20 == 19:
					status = 500
				case step%10 == 9:
					// A regeneration: the same history answered again.
					out = append(out, chatExchange(t, at, 200, answer+" (first try)", msgs...))
					at = at.Add(time.Second)
					if len(out) == n {
						continue
					}
				}
				out = append(out, chatExchange(t, at, status, answer, msgs...))
				at = at.Add(time.Second)
				if status == 200 {
					hist[c] = append(hist[c], question, answer)
				}
			}
		}
	}
	return out
}

// BenchmarkReindex rebuilds 10,000 stored exchanges of mixed shapes, or as many as
// LLMTAP_BENCH_EXCHANGES says (LLMTAP_BENCH_EXCHANGES=100000 go test -run '^$'
// -bench Reindex -benchtime 1x ./app measures a large database once).
func BenchmarkReindex(b *testing.B) {
	n := 10_000
	if v := os.Getenv("LLMTAP_BENCH_EXCHANGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("LLMTAP_BENCH_EXCHANGES=%q: want a positive number", v)
		}
	}
	db, err := store.Open(b.Context(), filepath.Join(b.TempDir(), "llmtap.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	traffic := benchTraffic(b, n)
	for i := 0; i < len(traffic); i += synthBatch {
		caps := make([]store.Capture, 0, synthBatch)
		for _, ex := range traffic[i:min(i+synthBatch, len(traffic))] {
			caps = append(caps, toCapture(ex))
		}
		if err := db.Write(b.Context(), caps); err != nil {
			b.Fatal(err)
		}
	}
	before, err := db.Counts(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	var st store.ReindexStats
	for b.Loop() {
		if st, err = Reindex(b.Context(), db, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	if st.Exchanges != n || int64(st.ConversationsAfter) != before.Conversations {
		b.Fatalf("reindex stats %+v, want %d exchanges and the %d conversations capture made", st, n, before.Conversations)
	}
	// On a machine shared with other work the wall clock measures the neighbours
	// too; the CPU this process spent is what the rebuild costs.
	if cpu1, ok := processCPU(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(n*b.N)/(cpu1-cpu0).Seconds(), "exchanges/cpu-s")
	}
	b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "exchanges/s")
}
