package store

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestForwardKeys: the ids come from what was stored, each once, sorted, and a
// later batch adds its own to what an earlier call read.
func TestForwardKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llmtap.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ex := func(key string) Capture {
		return Capture{Exchange: Exchange{Method: "POST", URL: "http://127.0.0.1/v1/chat/completions", Host: "127.0.0.1",
			Path: "/v1/chat/completions", Status: 200, ForwardKey: key}}
	}
	for _, step := range []struct {
		name  string
		batch []string // the forward keys of the exchanges written before the call
		want  []string
	}{
		{"empty_database", nil, []string{}},
		{"none_carry_one", []string{"", ""}, []string{}},
		{"first_keys", []string{"team-b", "", "team-a", "team-b"}, []string{"team-a", "team-b"}},
		{"only_the_new_rows", []string{"fk-0123456789ab", "team-a"}, []string{"fk-0123456789ab", "team-a", "team-b"}},
		{"nothing_new", nil, []string{"fk-0123456789ab", "team-a", "team-b"}},
	} {
		t.Run(step.name, func(t *testing.T) {
			var caps []Capture
			for _, k := range step.batch {
				caps = append(caps, ex(k))
			}
			if err := db.Write(t.Context(), caps); err != nil {
				t.Fatal(err)
			}
			got, err := db.ForwardKeys(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(step.want, got); diff != "" {
				t.Errorf("ForwardKeys (-want +got):\n%s", diff)
			}
			f, err := db.Facets(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(step.want, f.ForwardKeys); diff != "" {
				t.Errorf("Facets().ForwardKeys (-want +got):\n%s", diff)
			}
		})
	}
	// A second DB on the same file reads them all at once.
	again, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, err := again.ForwardKeys(t.Context()); err != nil || len(got) != 3 {
		t.Errorf("ForwardKeys after reopening = %q, %v; want the 3 ids", got, err)
	}
}

// BenchmarkForwardKeys: the first call after opening reads every row, bodies
// included; later calls read only the rows stored since (here one batch of 10).
func BenchmarkForwardKeys(b *testing.B) {
	db := openTest(b)
	body := make([]byte, 8<<10)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(body) // nothing for zstd to squeeze
	batch := func(n int) []Capture {
		caps := make([]Capture, n)
		for i := range caps {
			caps[i] = Capture{Exchange: Exchange{Method: "POST", URL: "http://127.0.0.1/v1/embeddings", Host: "127.0.0.1",
				Path: "/v1/embeddings", Status: 200, RespBody: body, ForwardKey: []string{"", "team-a"}[i%2]}}
		}
		return caps
	}
	for range 20 {
		if err := db.Write(b.Context(), batch(100)); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("first_call_2000_rows", func(b *testing.B) {
		for b.Loop() {
			db.forwardKeys = forwardKeySeen{}
			if _, err := db.ForwardKeys(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("after_10_new_rows", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := db.Write(b.Context(), batch(10)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := db.ForwardKeys(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
