package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// searchFixture holds n conversations, one a minute, newest last; every third one
// mentions a lighthouse twice (in its answer and in a later one), every fifth is on
// openrouter.ai. Titles are "c<i>".
func searchFixture(t *testing.T, n int) *DB {
	t.Helper()
	db := openTest(t)
	seeds := make([]Seed, n)
	for i := range seeds {
		host := "api.openai.com"
		if i%5 == 0 {
			host = "openrouter.ai"
		}
		first, second := bot(fmt.Sprintf("answer %d", i)), bot("fine")
		if i%3 == 0 {
			first = bot(fmt.Sprintf("the lighthouse keeper %d", i))
			second = bot("another lighthouse later")
		}
		seeds[i] = seed(fmt.Sprintf("c%d question", i), host, "gpt-a", day0.Add(time.Duration(i)*time.Hour), first, second)
	}
	if err := db.Load(t.Context(), seeds); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return db
}

// TestSearchManyMatches covers a search with more than manyMatches conversations,
// which pages by walking conversations in order and counts from the match set: the
// order, the count alone and with a filter, deep pages and a snippet on every row
// from the conversation's first matching message.
func TestSearchManyMatches(t *testing.T) {
	const n = 3*manyMatches + 30 // manyMatches+10 lighthouse conversations
	db := searchFixture(t, n)
	matching := 0
	openrouter := 0
	for i := range n {
		if i%3 == 0 {
			matching++
			if i%5 == 0 {
				openrouter++
			}
		}
	}
	if matching < manyMatches {
		t.Fatalf("fixture has %d matches, want at least %d to cover the walking page", matching, manyMatches)
	}
	for _, tc := range []struct {
		name      string
		opt       ListOptions
		total     int
		firstIdx  int // index of the first conversation on the page
		pageItems int
	}{
		{"only_search", ListOptions{Query: "lighthouse"}, matching, n - 3, 50},
		{"prefix", ListOptions{Query: "lightho*"}, matching, n - 3, 50},
		{"phrase", ListOptions{Query: `"lighthouse keeper"`}, matching, n - 3, 50},
		{"with_host", ListOptions{Query: "lighthouse", Host: "openrouter.ai"}, openrouter, n - 3 - ((n - 3) % 15), 50},
		{"deep_page", ListOptions{Query: "lighthouse", Offset: matching - 10}, matching, 27, 10},
		{"oldest_first", ListOptions{Query: "lighthouse", Sort: SortCreated, Asc: true, Limit: 5}, matching, 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, total, err := db.ListConversations(t.Context(), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(items) != tc.pageItems {
				t.Fatalf("total %d, %d items; want %d, %d", total, len(items), tc.total, tc.pageItems)
			}
			if want := fmt.Sprintf("c%d question", tc.firstIdx); items[0].Title != want {
				t.Errorf("first item %q, want %q", items[0].Title, want)
			}
			for _, s := range items {
				var i int
				fmt.Sscanf(s.Title, "c%d", &i)
				if i%3 != 0 {
					t.Errorf("%q does not mention a lighthouse", s.Title)
				}
				// The first matching message is the answer ending in the number.
				if want := fmt.Sprintf(" %d", i); !strings.Contains(s.Snippet, "<mark>lighthouse") || !strings.HasSuffix(s.Snippet, want) {
					t.Errorf("%q snippet %q: want a highlighted hit from its first match (%q)", s.Title, s.Snippet, want)
				}
			}
		})
	}
}

// TestSearchCountDuringRebuild checks that a search-only count, which normally is
// the number of matches, leaves out a conversation that is not live (a reindex
// clears head_id while it rebuilds).
func TestSearchCountDuringRebuild(t *testing.T) {
	db := searchFixture(t, 30)
	before, total, err := db.ListConversations(t.Context(), ListOptions{Query: "lighthouse"})
	if err != nil {
		t.Fatal(err)
	}
	if total != 10 || len(before) != 10 {
		t.Fatalf("total %d, %d items; want 10", total, len(before))
	}
	if _, err := db.sql.ExecContext(t.Context(), `UPDATE conversations SET head_id = NULL WHERE id = ?`, before[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []ListOptions{{Query: "lighthouse"}, {Query: "lighthouse", Status: dataset.StatusUnreviewed}} {
		items, total, err := db.ListConversations(t.Context(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if total != 9 || len(items) != 9 || items[0].ID == before[0].ID {
			t.Errorf("%+v: total %d, %d items, first %d; want 9 without conversation %d", opt, total, len(items), items[0].ID, before[0].ID)
		}
	}
}

// TestSearchKeptUntilDataChanges: a query's matches are kept for the next page, and
// never outlive a change to what is indexed: a new conversation, a new turn in an old
// one, a rebuild.
func TestSearchKeptUntilDataChanges(t *testing.T) {
	rc := newRecorder(t)
	db, ctx := rc.db, t.Context()
	count := func(q string) int {
		t.Helper()
		_, n, err := db.ListConversations(ctx, ListOptions{Query: q, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rc.capture(t, round(msgs(user("tide tables for Lisbon")), bot("high tide at noon")))
	rc.capture(t, round(msgs(user("bread")), bot("use sourdough")))
	steps := []struct {
		name   string
		change func()
		q      string
		want   int
	}{
		{"first", func() {}, "tide", 1},
		{"again", func() {}, "tide", 1},
		{"new_conversation", func() { rc.capture(t, round(msgs(user("when is low tide?")), bot("at six"))) }, "tide", 2},
		{"new_turn_in_old_conversation", func() {
			rc.capture(t, round(msgs(user("bread"), bot("use sourdough"), user("and the tide?")), bot("no idea")))
		}, "tide", 3},
		{"other_query_meanwhile", func() {}, "sourdough", 1},
		{"rebuilt", func() { reindex(t, db, ReindexOptions{}) }, "tide", 3},
	}
	for _, s := range steps {
		s.change()
		if got := count(s.q); got != s.want {
			t.Errorf("%s: %q matches %d conversations, want %d", s.name, s.q, got, s.want)
		}
	}
}
