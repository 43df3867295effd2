package capture

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/proxy"
)

// BenchmarkDurable measures what the proxy waits for per exchange: encoding it and
// appending it to the capture log with a real fsync (group commit), from
// concurrent clients. It reports durable exchanges/s and, for large bodies, MB/s.
//
//	go test -run '^$' -bench Durable -benchtime 20000x ./capture
func BenchmarkDurable(b *testing.B) {
	short := sampleExchange(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in five words."},{"role":"assistant","content":"Hello there, how are you?"},{"role":"user","content":"Fine, thanks."}],"stream":true}`,
		"data: {\"choices\":[{\"delta\":{\"content\":\"Good to hear.\"}}]}\n\ndata: [DONE]\n\n")
	var hist bytes.Buffer
	for i := range 100 {
		fmt.Fprintf(&hist, `{"role":"user","content":"turn %d: please look at the function and tell me why it fails"},{"role":"assistant","content":"Turn %d: the loop index is off by one, so the last element is never read."},`, i, i)
	}
	long := sampleExchange(`{"model":"m","messages":[`+hist.String()+`{"role":"user","content":"next"}]}`, `{"choices":[{"message":{"content":"ok"}}]}`)
	// A 2 MB stream of varied tokens: repeating one chunk would compress a thousandfold
	// and measure nothing but memcpy.
	var reply bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	for reply.Len() < 2<<20 {
		fmt.Fprintf(&reply, "data: {\"choices\":[{\"delta\":{\"content\":\" w%x\"}}]}\n\n", rng.Uint32())
	}
	big := sampleExchange(`{"model":"m"}`, reply.String())
	for _, tc := range []struct {
		name string
		ex   *proxy.Exchange
		conc int
	}{
		{"short_chat_conc_16", short, 16},
		{"history_100_turns_conc_16", long, 16},
		{"reply_2mb_conc_8", big, 8},
		{"short_chat_conc_1", short, 1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			log, err := spool.Open(filepath.Join(b.TempDir(), "capture"), spool.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			r := newRecorder(log, filepath.Join(b.TempDir(), "unsaved.json"), 0, discard())
			defer r.closeTally()
			defer r.Close(b.Context())
			size := int64(len(tc.ex.ReqBody) + len(tc.ex.RespBody))
			b.SetBytes(size)
			start := time.Now()
			var wg sync.WaitGroup
			per := (b.N + tc.conc - 1) / tc.conc
			for w := range tc.conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w * per; i < min((w+1)*per, b.N); i++ {
						r.Capture(b.Context(), tc.ex)
					}
				}()
			}
			wg.Wait()
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/el, "exchanges/s")
			if u := r.Unsaved(); u.Count > 0 || r.Held() > 0 {
				b.Fatalf("not all durable: %+v, %d held", u, r.Held())
			}
		})
	}
}
