package proxy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/internal/zpool"
)

// streamRedact captures in as a streamed request body is captured (bodyCapture:
// redactStream, secretSpotter, a zstd frame, scrubbed whole when a secret is in it), given in pieces of the given sizes
// (cycled), with the secrets known before, and returns what the frame holds.
func streamRedact(t testing.TB, in []byte, pieces []int, known secrets) ([]byte, secrets) {
	t.Helper()
	c := newBodyCapture(known, 1<<30, true, "")
	for i := 0; len(in) > 0; i++ {
		n := min(pieces[i%len(pieces)], len(in))
		c.write(in[:n])
		in = in[n:]
	}
	frame, n, truncated, found, err := c.close()
	if err != nil || truncated {
		t.Fatalf("close: %v, truncated %v", err, truncated)
	}
	fb, _ := frame.Bytes()
	out, err := zpool.Decode(fb, nil)
	if err != nil || int64(len(out)) != n {
		t.Fatalf("frame decodes to %d bytes (%v), capture says %d", len(out), err, n)
	}
	return out, found
}

// wholeRedact is what the relay does to a body it holds whole: redactJSON, then
// every secret scrubbed.
func wholeRedact(in []byte, known secrets) ([]byte, secrets) {
	sec := slices.Clone(known)
	out := redactJSON(in, &sec)
	return sec.scrubBytes(out), sec[len(known):]
}

// redactStreamCases are bodies redactJSON is held to in TestRedactBody, and more
// whose names, escapes and values fall across piece boundaries.
var redactStreamCases = []string{
	`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"my key is in a drawer"}]}`,
	`{"api_key": "sk-1234567890", "model":"m"}`,
	`{"apiKey":"sk-1234567890"}`,
	`{"x":{"headers":{"Authorization":"Bearer sk-1234567890","Accept":"*/*"}}}`,
	`[{"token":"t-1234567890"},{"secret" : "s-1234567890"},{"password":"hunter22hunter"}]`,
	`{"usage":{"total_tokens":12,"candidatesTokenCount":3},"key":7,"token":null}`,
	`{"api\u005fkey":"sk-1234567890"}`,
	`{"key":"a\"b\\"}`,
	`{"content":"api_key","x":"api_key: sk"}`,
	`{"api_key":""}`,
	"{\"type\":\"session.update\",\"token\":\"ek_1234567890\"}\n{\"type\":\"x\"}\n",
	`{"api_key":"sk-12345`,
	`{"api_key"   :   "sk-abcdefghij\\\"kl"  , "b": "\\\\", "c\\"   : "x"}`,
	`{"messages":[{"content":"` + strings.Repeat("long text \\\" with escapes ", 40) + `"}],"api_key":"sk-late-0123456789"}`,
	// Found after where it stands first: the frame is scrubbed again at the end.
	`{"system":"use sk-early-0123456789 please","auth":{"api_key":"sk-early-0123456789"}}`,
}

// TestRedactStreamMatchesWhole: a body redacted as it passes, in pieces of any
// size, comes out as the relay's whole-body redaction makes it, and records the
// same secrets.
func TestRedactStreamMatchesWhole(t *testing.T) {
	piecings := [][]int{{1}, {2}, {3}, {7}, {13, 1, 5}, {64}, {1 << 20}}
	for i, in := range redactStreamCases {
		for _, pieces := range piecings {
			t.Run(fmt.Sprintf("case_%d_pieces_%v", i, pieces), func(t *testing.T) {
				want, wantFound := wholeRedact([]byte(in), nil)
				got, found := streamRedact(t, []byte(in), pieces, nil)
				if !bytes.Equal(got, want) {
					t.Errorf("streamed:\n%s\nwhole:\n%s", got, want)
				}
				if !slices.Equal(found, wantFound) {
					t.Errorf("streamed found %q, whole %q", found, wantFound)
				}
			})
		}
	}
}

// TestKnownSecretAcrossPieces: a secret known before the body is scrubbed wherever
// it stands, also when pieces cut it in two.
func TestKnownSecretAcrossPieces(t *testing.T) {
	const key = "sk-header-key-0123456789"
	in := []byte(`{"messages":[{"content":"my key is ` + key + `, twice: ` + key + `"}]}` + key)
	for _, piece := range []int{1, 2, 5, 11, 23, 24, 25, 1 << 10} {
		got, _ := streamRedact(t, in, []int{piece}, secrets{key})
		want, _ := wholeRedact(in, secrets{key})
		if !bytes.Equal(got, want) || bytes.Contains(got, []byte(key)) {
			t.Errorf("pieces of %d: %s, want %s", piece, got, want)
		}
	}
}

// FuzzRedactStream holds a streamed body's capture to redactJSON and scrubBytes
// for any input cut at any places: names and values are kept whole up to limits
// the fuzzer's inputs stay under.
func FuzzRedactStream(f *testing.F) {
	for _, c := range redactStreamCases {
		f.Add([]byte(c), uint64(1))
	}
	f.Add([]byte(`{"a":"b\\`), uint64(7))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		// A name longer than maxStreamName is never a credential's when streamed:
		// inputs this short hold none.
		in = in[:min(len(in), maxStreamName)]
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		pieces := make([]int, 1+rng.IntN(8))
		for i := range pieces {
			pieces[i] = 1 + rng.IntN(len(in)+1)
		}
		// Half the time a secret known from the headers, taken from the input itself
		// so that it is there to be scrubbed.
		var known secrets
		if n := minSecret + rng.IntN(8); rng.IntN(2) == 0 && len(in) >= n {
			at := rng.IntN(len(in) - n + 1)
			known = secrets{string(in[at : at+n])}
		}
		want, wantFound := wholeRedact(in, known)
		got, found := streamRedact(t, in, pieces, known)
		if !bytes.Equal(got, want) {
			t.Fatalf("pieces %v of %q, known %q:\nstreamed %q\nwhole    %q", pieces, in, known, got, want)
		}
		if !slices.Equal(found, wantFound) {
			t.Fatalf("pieces %v of %q: streamed found %q, whole %q", pieces, in, found, wantFound)
		}
	})
}
