package store

import (
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

// testRates prices two models; "local" has no price.
func testRates(model string) (Rate, bool) {
	switch model {
	case "gpt-big":
		return Rate{Input: 2, Cached: 0.5, CacheWrite: 2, Output: 8}, true
	case "claude-x":
		return Rate{Input: 3, Cached: 0.3, CacheWrite: 3.75, Output: 15}, true
	case "gpt-fresh":
		return Rate{Input: 10, Cached: 10, CacheWrite: 10, Output: 1_000_000}, true
	}
	return Rate{}, false
}

// TestConversationUsageAndCostSort captures conversations through the threading
// path (two rounds each, so the second adds to the row) and checks the path's usage
// by kind, the cost at the rates, and the cost order with unpriced ones last.
func TestConversationUsageAndCostSort(t *testing.T) {
	rc := newRecorder(t)
	type turn struct{ prompt, completion, cached, write int }
	convs := []struct {
		title, model string
		turns        []turn
	}{
		{"cheap", "gpt-big", []turn{{1000, 10, 0, 0}, {1100, 20, 1000, 0}}},
		{"cached", "claude-x", []turn{{50000, 100, 0, 49000}, {50200, 100, 49000, 0}}},
		{"dear", "gpt-big", []turn{{200000, 5000, 0, 0}, {205000, 5000, 100000, 0}}},
		{"local", "local", []turn{{900000, 90000, 0, 0}, {990000, 1000, 0, 0}}},
	}
	for _, c := range convs {
		history := msgs(user(c.title))
		for i, tu := range c.turns {
			answer := bot(fmt.Sprintf("%s answer %d", c.title, i))
			r := round(history, answer)
			r.Model = c.model
			r.Usage = dataset.Usage{PromptTokens: tu.prompt, CompletionTokens: tu.completion,
				TotalTokens: tu.prompt + tu.completion, CachedTokens: tu.cached, CacheWriteTokens: tu.write}
			rc.capture(t, r)
			history = append(history, answer, user(fmt.Sprintf("%s more %d", c.title, i)))
		}
	}
	want := map[string]*float64{}
	for _, c := range convs {
		var p, o, ca, w int64
		for _, tu := range c.turns {
			p, o, ca, w = p+int64(tu.prompt), o+int64(tu.completion), ca+int64(tu.cached), w+int64(tu.write)
		}
		s, err := rc.db.Conversation(t.Context(), convID(t, rc.db, c.title))
		if err != nil {
			t.Fatal(err)
		}
		got := [4]int64{s.PromptTokens, s.CompletionTokens, s.CachedTokens, s.CacheWriteTokens}
		if got != [4]int64{p, o, ca, w} || s.Tokens != p+o {
			t.Errorf("%s: usage %v tokens %d, want %v %d", c.title, got, s.Tokens, [4]int64{p, o, ca, w}, p+o)
		}
		if r, ok := testRates(c.model); ok {
			v := (float64(p-ca-w)*r.Input + float64(ca)*r.Cached + float64(w)*r.CacheWrite + float64(o)*r.Output) / 1e6
			want[c.title] = &v
		}
	}
	// Captured before any prices were given, nothing is priced; SetRates (the app's
	// start) prices every listed model.
	items, _, err := rc.db.ListConversations(t.Context(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range items {
		if s.CostUSD != nil {
			t.Errorf("%s: cost %v before any rates, want none", s.Title, *s.CostUSD)
		}
	}
	if n, err := rc.db.SetRates(t.Context(), testRates); err != nil || n != 2 {
		t.Fatalf("SetRates = %d, %v; want 2 models repriced", n, err)
	}
	if n, err := rc.db.SetRates(t.Context(), testRates); err != nil || n != 0 {
		t.Errorf("SetRates again = %d, %v; want nothing repriced", n, err)
	}
	tests := []struct {
		name  string
		opt   ListOptions
		order []string
	}{
		{"cost_desc", ListOptions{Sort: SortCost}, []string{"dear", "cached", "cheap", "local"}},
		{"cost_asc", ListOptions{Sort: SortCost, Asc: true}, []string{"local", "cheap", "cached", "dear"}},
		{"cost_of_one_model", ListOptions{Sort: SortCost, Model: "gpt-big"}, []string{"dear", "cheap"}},
		{"tokens", ListOptions{Sort: SortTokens}, []string{"local", "dear", "cached", "cheap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, _, err := rc.db.ListConversations(t.Context(), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			for _, s := range items {
				order = append(order, s.Title)
				w := want[s.Title]
				switch {
				case (w == nil) != (s.CostUSD == nil):
					t.Errorf("%s: cost %v, want %v", s.Title, s.CostUSD, w)
				case w != nil && math.Abs(*w-*s.CostUSD) > 1e-9:
					t.Errorf("%s: cost %v, want %v", s.Title, *s.CostUSD, *w)
				}
			}
			if fmt.Sprint(order) != fmt.Sprint(tt.order) {
				t.Errorf("order %v, want %v", order, tt.order)
			}
		})
	}
	// A price edited, and a model priced that had none: SetRates reprices them.
	order := func(rates Rates) []string {
		t.Helper()
		if rates != nil {
			if _, err := rc.db.SetRates(t.Context(), rates); err != nil {
				t.Fatal(err)
			}
		}
		items, _, err := rc.db.ListConversations(t.Context(), ListOptions{Sort: SortCost})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range items {
			out = append(out, s.Title)
		}
		return out
	}
	edited := func(model string) (Rate, bool) {
		switch model {
		case "claude-x":
			return Rate{Input: 300, Cached: 300, CacheWrite: 300, Output: 300}, true
		case "local":
			return Rate{Input: 0.01, Cached: 0.01, CacheWrite: 0.01, Output: 0.01}, true
		}
		return testRates(model)
	}
	if got, want := fmt.Sprint(order(edited)), "[cached dear local cheap]"; got != want {
		t.Errorf("after a price edit: order %s, want %s", got, want)
	}
	// A new round moves a conversation's stored cost (the trigger of migration 0018).
	r := round(msgs(user("cheap"), bot("cheap answer 0"), user("cheap more 0"), bot("cheap answer 1"), user("cheap more 1")), bot("cheap answer 2"))
	r.Model, r.Usage = "gpt-big", dataset.Usage{PromptTokens: 10_000_000, CompletionTokens: 1, TotalTokens: 10_000_001}
	rc.capture(t, r)
	if got, want := fmt.Sprint(order(testRates)), "[cheap dear cached local]"; got != want {
		t.Errorf("after a costly round: order %s, want %s", got, want)
	}
	// A model first seen after the prices were set is priced by the capture that
	// brings it, and a list (which only reads) shows its cost at once.
	r = round(msgs(user("fresh")), bot("fresh answer"))
	r.Model, r.Usage = "gpt-fresh", dataset.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000, TotalTokens: 2_000_000}
	rc.capture(t, r)
	if got, want := fmt.Sprint(order(nil)), "[fresh cheap dear cached local]"; got != want {
		t.Errorf("after a new model: order %s, want %s", got, want)
	}
	items, _, err = rc.db.ListConversations(t.Context(), ListOptions{Model: "gpt-fresh"})
	if err != nil || len(items) != 1 || items[0].CostUSD == nil || math.Abs(*items[0].CostUSD-1_000_010) > 1e-6 {
		t.Errorf("gpt-fresh list = %+v, %v; want one conversation costing 1000010 (1M input at 10, 1M output at 1000000)", items, err)
	}
}

// TestMigrationFillsPathUsage opens a database made by the migrations before 0018
// with a conversation in it and checks that 0018 sums its path's usage by kind.
func TestMigrationFillsPathUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:17] {
		if _, err := old.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	for _, s := range []string{`PRAGMA user_version = 17`,
		`INSERT INTO conversations (id, title, created_at, updated_at, tokens) VALUES (1, 'a', 0, 0, 36)`,
		`INSERT INTO messages (id, conversation_id, parent_id, key, depth, rounds, role, content, created_at,
			prompt_tokens, completion_tokens, total_tokens) VALUES
			(1, 1, NULL, 'k1', 1, 0, 'user', 'q', 0, 0, 0, 0),
			(2, 1, 1, 'k2', 2, 1, 'assistant', 'a', 0, 10, 2, 12),
			(3, 1, 2, 'k3', 3, 1, 'user', 'q2', 0, 0, 0, 0),
			(4, 1, 3, 'k4', 4, 2, 'assistant', 'b', 0, 20, 4, 24),
			(5, 1, 3, 'k5', 4, 2, 'assistant', 'swipe', 0, 500, 500, 1000)`,
		`UPDATE conversations SET head_id = 4, message_count = 4, rounds = 2 WHERE id = 1`,
	} {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.Conversation(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.PromptTokens != 30 || s.CompletionTokens != 6 || s.CachedTokens != 0 {
		t.Errorf("after 0018: prompt %d completion %d cached %d, want 30 6 0 (the swipe is off the path)",
			s.PromptTokens, s.CompletionTokens, s.CachedTokens)
	}
}
