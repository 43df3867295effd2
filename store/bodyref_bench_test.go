package store

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// BenchmarkPackBodies measures the capture writer's body step per exchange: each
// body zstd-compressed on its own (plain, as before issue 11) and with references
// (ref), in the same run. go test ./store -run '^$' -bench PackBodies -benchmem
func BenchmarkPackBodies(b *testing.B) {
	// Short: the third request of distinct 3-turn chats, against a window of others.
	var short []Capture
	for seed := range uint64(64) {
		short = append(short, seededSession(b, seed+1000, 3, false)[2])
	}
	// History: a ~12 KB request (an agent's normal size) after its predecessor.
	chat := chatSession(b, 18, false)
	// Big: a 2 MB request (a history carrying an image) after its predecessor, and a
	// 2 MB response, which never has a reference.
	png := make([]byte, 3<<19) // 1.5 MB: 2 MB once in base64; a PNG barely compresses
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range png {
		png[i] = byte(rng.Uint32())
	}
	image := []byte(`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,` +
		base64.StdEncoding.EncodeToString(png) + `"}}]}`)
	bigPrev := append(bytes.Clone(image), `,{"role":"assistant","content":"a cat"}]}`...)
	bigCur := append(bytes.Clone(image), `,{"role":"assistant","content":"a cat"},{"role":"user","content":"what colour?"}]}`...)
	big := func(req, resp []byte) Capture {
		return Capture{Exchange: Exchange{Host: "up", Path: "/v1/chat/completions", ReqBody: req, RespBody: resp}}
	}
	tests := []struct {
		name  string
		prior []Capture // written before the measured ones
		caps  []Capture // packed in turn, one per batch
	}{
		{"short", short[:32], short},
		{"history_12k", chat[:len(chat)-1], chat[len(chat)-1:]},
		{"request_2mb", []Capture{big(bigPrev, nil)}, []Capture{big(bigCur, nil)}},
		{"response_2mb", nil, []Capture{big(nil, bigCur)}},
	}
	for _, tt := range tests {
		size := 0
		for _, c := range tt.caps {
			size += len(c.Exchange.ReqBody) + len(c.Exchange.RespBody)
		}
		b.Run(tt.name+"/plain", func(b *testing.B) {
			b.SetBytes(int64(size / len(tt.caps)))
			for i := 0; b.Loop(); i++ {
				c := &tt.caps[i%len(tt.caps)].Exchange
				packBody(c.ReqBody)
				packBody(c.RespBody)
			}
		})
		b.Run(tt.name+"/ref", func(b *testing.B) {
			var w refWindow
			for i := range tt.prior {
				_, remember := w.pack(tt.prior[i : i+1])
				remember()
			}
			b.SetBytes(int64(size / len(tt.caps)))
			stored := 0
			for i := 0; b.Loop(); i++ {
				k := i % len(tt.caps)
				bodies, remember := w.pack(tt.caps[k : k+1])
				stored += len(bodies[0].req) + len(bodies[0].resp)
				if len(tt.caps) > 1 {
					remember() // distinct chats: each becomes a candidate
				} else if len(w.entries) > 0 {
					w.entries[len(w.entries)-1].index = nil // each body is indexed once, as the next one's reference
				}
			}
			b.ReportMetric(float64(stored)/float64(b.N), "stored_B/op")
		})
	}
}

// BenchmarkReadBody measures reading one exchange with a cold body cache: the deepest
// chain a writer makes (maxRefChain deltas) beside the same body stored whole.
// go test ./store -run '^$' -bench ReadBody
func BenchmarkReadBody(b *testing.B) {
	caps := chatSession(b, maxRefChain+1, false)
	db := openTest(b)
	for i := range caps {
		if err := db.Write(b.Context(), caps[i:i+1]); err != nil {
			b.Fatal(err)
		}
	}
	deepest := caps[maxRefChain].Exchange.ID
	var codec string
	if err := db.sql.QueryRow(`SELECT body_codec FROM exchanges WHERE id = ?`, deepest).Scan(&codec); err != nil || codec != codecRef {
		b.Fatalf("exchange %d stored as %q, %v; want %q", deepest, codec, err, codecRef)
	}
	whole := caps[maxRefChain]
	whole.Exchange.Path = "/elsewhere" // no reference: stored whole
	if err := db.Write(b.Context(), []Capture{whole}); err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		id   int64
	}{{"zstd", whole.Exchange.ID}, {"deepest_chain", deepest}} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				db.bodies = bodyCache{}
				if _, err := db.Exchange(b.Context(), tt.id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
