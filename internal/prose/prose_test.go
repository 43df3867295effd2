package prose

import (
	"testing"

	"github.com/llmtap/llmtap/internal/zpool"
)

// TestTextCompressesLikeProse: the text is as long as asked, the same each time,
// and compresses 2-6x, as real prompts do, not hundreds of times.
func TestTextCompressesLikeProse(t *testing.T) {
	a, b := Text(1<<20), Text(1<<20)
	if len(a) != 1<<20 || a != b {
		t.Fatalf("Text(1 MiB): %d bytes, same both times: %v", len(a), a == b)
	}
	z := zpool.Encode([]byte(a), nil)
	if r := float64(len(a)) / float64(len(z)); r < 2 || r > 6 {
		t.Errorf("compresses %.1fx, want 2-6x", r)
	}
}
