package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
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
// full-text searches (in English, and in Chinese and Japanese over the
// benchScriptConversations added to the English ones), and opening a conversation, at the API (GET /api/conversations through APIHandler,
// JSON included) over a data folder of benchConversations conversations built once
// (with SynthesizeFast) in a temp dir. Being a benchmark, the build only runs with
// -bench; it is bounded by a 15 minute deadline. Each case reports p50 and p99
// latency in milliseconds beside ns/op. Run it with:
//
//	go test -tags sqlite_fts5 ./app -run '^$' -bench ReviewList -benchtime 200x
func BenchmarkReviewList(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	a, tag := openReviewBench(ctx, b)
	api := a.APIHandler()
	recent := time.Now().Add(-30 * 24 * time.Hour).UTC()
	week := url.Values{"from": {recent.Format(time.RFC3339)}, "to": {recent.Add(7 * 24 * time.Hour).Format(time.RFC3339)}}
	tagID := strconv.FormatInt(tag.ID, 10)
	cases := []struct{ name, query string }{
		{"all", ""},
		{"status", "status=unreviewed"},
		{"status_rare", "status=rejected"},
		{"model", "model=claude-sonnet-4"},
		{"host", "host=openrouter.ai"},
		{"tag", "tag=" + tagID},
		{"from_to", week.Encode()},
		{"has_tools", "hasTools=1"},
		{"has_reasoning", "hasReasoning=1"},
		{"has_errors", "hasErrors=1"},
		{"no_errors", "hasErrors=0"},
		{"sort_created", "sort=created"},
		{"sort_rounds", "sort=rounds"},
		{"sort_tokens_asc", "sort=tokens&order=asc"},
		{"status_sort_tokens", "status=confirmed&sort=tokens"},
		{"sort_cost", "sort=cost"},
		{"status_sort_cost_asc", "status=confirmed&sort=cost&order=asc"},
		{"model_tools_errors", "model=gpt-4o-mini&hasTools=1&hasErrors=0"},
		{"deep_page", "offset=20000"},
		{"search_rare", "q=12345"},
		{"search_common", "q=kubernetes"},
		{"search_phrase", "q=" + url.QueryEscape(`"tide tables"`)},
		{"search_status", "q=sourdough&status=unreviewed"},
		{"search_prefix", "q=" + url.QueryEscape("regex*")},
		{"search_tag", "q=kubernetes&tag=" + tagID},
		{"search_everywhere", "q=the"}, // a word in three conversations of four
		// The next page of a search: its matches are kept from the first (store.searchCache).
		{"search_prefix_next_page", "q=" + url.QueryEscape("regex*") + "&offset=50"},
		{"search_everywhere_next_page", "q=the&offset=50"},
		// Searches in Chinese and Japanese, over the benchScriptConversations.
		{"search_cjk_two_chars", "q=" + url.QueryEscape("成都")},
		{"search_cjk_two_chars_common", "q=" + url.QueryEscape("我们")},
		{"search_cjk_three_chars", "q=" + url.QueryEscape("日本語")},
		{"search_cjk_one_char", "q=" + url.QueryEscape("面")},
		{"search_cjk_mixed", "q=" + url.QueryEscape("索引 SQLite")},
		{"search_cjk_status", "q=" + url.QueryEscape("美食") + "&status=unreviewed"},
	}
	type get struct{ name, path string }
	var gets []get
	for _, tc := range cases {
		gets = append(gets, get{tc.name, "/api/conversations?" + tc.query})
	}
	// Opening conversations, oldest, middle and newest: a root's siblings once took a
	// walk over every conversation's roots.
	for _, id := range []int64{1, int64(benchConversations(b) / 2), int64(benchConversations(b))} {
		gets = append(gets, get{"open_" + strconv.FormatInt(id, 10), "/api/conversations/" + strconv.FormatInt(id, 10)})
	}
	for _, tc := range gets {
		b.Run(tc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			// A first page of a search is measured as a new search; a next page, as the
			// next page of one (with the matches of the first kept).
			fresh := strings.Contains(tc.path, "q=") && !strings.Contains(tc.path, "offset=")
			if !fresh {
				api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, strings.Split(tc.path, "&offset=")[0], nil))
			}
			for b.Loop() {
				if fresh {
					a.DB().ForgetSearches()
				}
				start := time.Now()
				w := httptest.NewRecorder()
				api.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, tc.path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", tc.path, w.Code, w.Body)
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

// benchScriptConversations is how many conversations in Chinese and Japanese the
// review benchmark adds to the benchConversations in English: a fifth as many.
func benchScriptConversations(b *testing.B) int { return benchConversations(b) / 5 }

// scriptTopics are what the Chinese and Japanese conversations are about; the
// first word of each is what a search looks for.
var scriptTopics = []string{"成都美食", "北京旅游", "上海天气", "数据库索引 SQLite", "机器学习", "红烧肉做法", "春节习俗",
	"日本語の勉強", "ラーメンの作り方", "東京の観光", "京都のお寺", "担担面"}

// loadScriptConversations adds n conversations in Chinese and Japanese: a question
// about a topic, one to five rounds of answers and follow-ups.
func loadScriptConversations(ctx context.Context, db *store.DB, n int) error {
	rng := rand.New(rand.NewPCG(7, 11))
	at := time.Now().Add(-30 * 24 * time.Hour)
	zh := []string{"关于%s，我们可以从三个方面来看：第一，先了解基本情况；第二，注意常见的问题；第三，多加练习。",
		"%s是一个很有意思的话题。我们通常建议先从简单的例子开始，然后再慢慢深入。",
		"说到%s，很多人都会想到不同的答案。我们来详细讨论一下。"}
	ja := []string{"%sについて説明します。まず基本を理解して、それから実際に試してみましょう。",
		"%sは人気のあるテーマです。私たちは少しずつ進めることをおすすめします。"}
	follow := []string{"能再详细一点吗？", "谢谢！还有别的建议吗？", "もう少し詳しく教えてください。", "为什么呢？"}
	seeds := make([]store.Seed, 0, 1000)
	for i := range n {
		topic := scriptTopics[rng.IntN(len(scriptTopics))]
		forms := zh
		if strings.ContainsAny(topic, "のラ東京") {
			forms = ja
		}
		s := store.Seed{Host: "api.deepseek.com", Dialect: dataset.OpenAIChat, Model: "deepseek-chat"}
		parent := -1
		add := func(m dataset.Message, answer bool) {
			at = at.Add(time.Second)
			s.Nodes = append(s.Nodes, store.SeedNode{Parent: parent, Message: m, Answer: answer, Finish: "stop", At: at})
			parent = len(s.Nodes) - 1
		}
		add(dataset.Message{Role: dataset.RoleUser, Content: fmt.Sprintf("请介绍一下%s。（#%d）", topic, i)}, false)
		for r := range 1 + rng.IntN(5) {
			if r > 0 {
				add(dataset.Message{Role: dataset.RoleUser, Content: follow[rng.IntN(len(follow))]}, false)
			}
			add(dataset.Message{Role: dataset.RoleAssistant, Content: fmt.Sprintf(forms[rng.IntN(len(forms))], topic)}, true)
			s.Head = parent
		}
		if seeds = append(seeds, s); len(seeds) == cap(seeds) || i == n-1 {
			if err := db.Load(ctx, seeds); err != nil {
				return err
			}
			seeds = seeds[:0]
		}
	}
	return nil
}

// openReviewBench opens the app over the review benchmark's data folder, built
// when empty (LLMTAP_BENCH_DATA keeps it between runs; else a temp dir), shut down
// when b ends. It returns the tag buildReviewBench made.
func openReviewBench(ctx context.Context, b *testing.B) (*App, store.Tag) {
	dir := os.Getenv("LLMTAP_BENCH_DATA")
	if dir == "" {
		dir = b.TempDir()
	}
	a, err := Open(ctx, Config{DataDir: dir, ProxyAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Shutdown(context.WithoutCancel(ctx)) })
	return a, buildReviewBench(ctx, b, a.DB())
}

// buildReviewBench fills an empty db with benchConversations conversations and puts
// a review in progress on it (a sixth tagged, a fifth confirmed, a few rejected),
// skipping what a kept data folder (LLMTAP_BENCH_DATA) has already. It returns the tag.
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
	// The conversations in scripts without spaces come after the English ones, so
	// that the English figures are measured over the same conversations as before.
	if n, err := db.Counts(ctx); err != nil {
		b.Fatal(err)
	} else if n.Conversations == int64(benchConversations(b)) {
		if err := loadScriptConversations(ctx, db, benchScriptConversations(b)); err != nil {
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
