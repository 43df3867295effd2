// Package prose makes filler text for tests and benchmarks that compresses about as
// real long prompts do (zstd's fastest level: ~3x), not as a sentence said over
// and over (~1000x): llmtap keeps big bodies compressed, so repetitive filler
// would flatter every memory figure taken with it.
package prose

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Text returns n bytes of words drawn at random (the same for the same n) from a
// few hundred, in English and Chinese, between spaces, stops, commas and line
// breaks. It may end inside a Chinese character.
func Text(n int) string {
	rng := rand.New(rand.NewPCG(11, uint64(n)))
	vocab := make([]string, 0, 400)
	for i := range 400 {
		vocab = append(vocab, fmt.Sprintf("%s%d", []string{"token", "model", "river", "batch", "成都", "美食", "agent", "layer"}[i%8], i*7919%1000))
	}
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		b.WriteString(vocab[rng.IntN(len(vocab))])
		b.WriteString([]string{" ", ". ", ", ", "\n"}[rng.IntN(4)])
	}
	return b.String()[:n]
}
