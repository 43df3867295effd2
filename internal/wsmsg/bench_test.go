package wsmsg_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

// realtimeEvent returns a Realtime API event of about n bytes: base64 audio in JSON,
// which compresses about as well as the real thing (audio is most of the bytes).
func realtimeEvent(n int, seed uint64) string {
	pcm := []byte(noise(n*3/4, seed))
	for i := range pcm {
		pcm[i] = pcm[i] & 0x0f // quiet audio: the high bits rarely change
	}
	return fmt.Sprintf(`{"type":"input_audio_buffer.append","event_id":"evt_%d","audio":"%s"}`,
		seed, base64.StdEncoding.EncodeToString(pcm))[:n]
}

// BenchmarkReader measures a client's stream (masked) of about 1 MiB of events, fed
// in the proxy's 32 KiB reads. MB/s counts the bytes on the wire.
func BenchmarkReader(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		for _, deflate := range []bool{false, true} {
			b.Run(fmt.Sprintf("size=%dKiB/deflate=%v", size>>10, deflate), func(b *testing.B) {
				e := &encoder{t: b, masked: true}
				var raw int
				for i := range max(1, (1<<20)/size) {
					msg := realtimeEvent(size, uint64(i))
					e.message(opText, msg, deflate, 0)
					raw += len(msg)
				}
				stream := e.out
				var got int
				// One Reader for the whole run: a stream read again refers back only
				// into itself, so it reads the same.
				r := wsmsg.New(wsmsg.Options{Compressed: deflate, Text: func(msg []byte) { got += len(msg) }})
				defer r.Close()
				b.SetBytes(int64(len(stream)))
				b.ReportAllocs()
				for b.Loop() {
					for p := stream; len(p) > 0; p = p[min(len(p), 32<<10):] {
						if _, err := r.Write(p[:min(len(p), 32<<10)]); err != nil {
							b.Fatal(err)
						}
					}
				}
				if got%raw != 0 || got == 0 {
					b.Fatalf("read %d bytes of messages, want a multiple of %d", got, raw)
				}
				b.ReportMetric(float64(len(stream))/float64(raw), "wire/msg")
			})
		}
	}
}
