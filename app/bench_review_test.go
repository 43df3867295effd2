package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// benchConversations is the size of the review benchmark's database: 100,000
// conversations, about a million messages. LLMTAP_BENCH_CONVERSATIONS overrides it.
func benchConversations(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("LLMTAP_BENCH_CONVERSATIONS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("LLMTAP_BENCH_CONVERSATIONS=%q: want a positive number", s)
		}
	}
	return n
}

// BenchmarkReviewList measures a list page (50 rows) under each filter and sort,
// and full-text searches, over a database of benchConversations conversations built
// once (with SynthesizeFast) in a temp dir. Being a benchmark, the build only runs
// with -bench; it is bounded by a 15 minute deadline. Each case reports p50 and p99
// latency in milliseconds beside ns/op. Run it with:
//
//	go test -tags sqlite_fts5 ./app -run '^$' -bench ReviewList -benchtime 200x
func BenchmarkReviewList(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	// LLMTAP_BENCH_DB keeps the database between runs: built when missing, reused after.
	path := os.Getenv("LLMTAP_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "llmtap.db")
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tag := buildReviewBench(ctx, b, db)
	yes, no := true, false
	recent := time.Now().Add(-30 * 24 * time.Hour)
	cases := []struct {
		name string
		opt  store.ListOptions
	}{
		{"all", store.ListOptions{}},
		{"status", store.ListOptions{Status: dataset.StatusUnreviewed}},
		{"status_rare", store.ListOptions{Status: dataset.StatusRejected}},
		{"model", store.ListOptions{Model: "claude-sonnet-4"}},
		{"host", store.ListOptions{Host: "openrouter.ai"}},
		{"tag", store.ListOptions{Tags: []int64{tag.ID}}},
		{"from_to", store.ListOptions{From: recent, To: recent.Add(7 * 24 * time.Hour)}},
		{"has_tools", store.ListOptions{HasToolCalls: &yes}},
		{"has_reasoning", store.ListOptions{HasReasoning: &yes}},
		{"has_errors", store.ListOptions{HasErrors: &yes}},
		{"no_errors", store.ListOptions{HasErrors: &no}},
		{"sort_created", store.ListOptions{Sort: store.SortCreated}},
		{"sort_rounds", store.ListOptions{Sort: store.SortRounds}},
		{"sort_tokens_asc", store.ListOptions{Sort: store.SortTokens, Asc: true}},
		{"status_sort_tokens", store.ListOptions{Status: dataset.StatusConfirmed, Sort: store.SortTokens}},
		{"model_tools_errors", store.ListOptions{Model: "gpt-4o-mini", HasToolCalls: &yes, HasErrors: &no}},
		{"deep_page", store.ListOptions{Offset: 20_000}},
		{"search_rare", store.ListOptions{Query: "12345"}},
		{"search_common", store.ListOptions{Query: "kubernetes"}},
		{"search_phrase", store.ListOptions{Query: `"tide tables"`}},
		{"search_status", store.ListOptions{Query: "sourdough", Status: dataset.StatusUnreviewed}},
		{"search_prefix", store.ListOptions{Query: "regex*"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, _, err := db.ListConversations(ctx, tc.opt); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			ms := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}

// buildReviewBench fills an empty db with benchConversations conversations and puts
// a review in progress on it (a sixth tagged, a fifth confirmed, a few rejected),
// skipping what a kept database (LLMTAP_BENCH_DB) has already. It returns the tag.
func buildReviewBench(ctx context.Context, b *testing.B, db *store.DB) store.Tag {
	began := time.Now()
	c, err := db.Counts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if c.Conversations == 0 {
		if err := SynthesizeFast(ctx, db, SynthOptions{Conversations: benchConversations(b), Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	if tags, err := db.AllTags(ctx); err != nil || len(tags) > 0 {
		if err != nil {
			b.Fatal(err)
		}
		return tags[0]
	}
	tag, err := db.CreateTag(ctx, "good", "")
	if err != nil {
		b.Fatal(err)
	}
	for _, bulk := range []store.BulkOptions{
		{Filter: &store.ListOptions{Model: "gpt-4.1"}, Action: store.BulkTag, TagID: tag.ID},
		{Filter: &store.ListOptions{Host: "api.openai.com"}, Action: store.BulkStatus, Status: dataset.StatusConfirmed},
		{Filter: &store.ListOptions{Query: "birthday"}, Action: store.BulkStatus, Status: dataset.StatusRejected},
	} {
		if _, err := db.Bulk(ctx, bulk); err != nil {
			b.Fatal(err)
		}
	}
	c, _ = db.Counts(ctx)
	b.Logf("built %d conversations from %d exchanges in %s", c.Conversations, c.Exchanges, time.Since(began).Round(time.Second))
	return tag
}
