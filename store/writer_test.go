package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

// TestPathFactsCarriedForward checks that the list facts threading carries forward
// from a conversation (tokens, tool calls, reasoning, errors) are the ones a walk of
// its chosen path gives (syncPath), whether its rounds come one per transaction or
// many in one.
func TestPathFactsCarriedForward(t *testing.T) {
	withUsage := func(r *dataset.Round, total int) *dataset.Round {
		r.Usage = dataset.Usage{PromptTokens: total - 5, CompletionTokens: 5}
		return r
	}
	stopped := func(r *dataset.Round) *dataset.Round { r.FinishReason = "length"; return r }
	call := dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "read", Arguments: "{}"}}}
	result := dataset.Message{Role: dataset.RoleTool, ToolCallID: "c1", Content: "file"}
	thought := bot("y")
	thought.Reasoning = "because"
	chat := []*dataset.Round{
		withUsage(round([]dataset.Message{user("a")}, bot("x")), 15),
		withUsage(round([]dataset.Message{user("a"), bot("x"), user("b")}, thought), 30),
		withUsage(round([]dataset.Message{user("a"), bot("x"), user("b"), bot("y"), user("c")}, call), 45),
		withUsage(round([]dataset.Message{user("a"), bot("x"), user("b"), bot("y"), user("c"), call, result}, bot("z")), 60),
	}
	tests := []struct {
		name   string
		rounds []*dataset.Round
		failAt int      // index of a round before which a failed chat exchange is stored; -1 for none
		want   [4]int64 // tokens, has_tool_calls, has_reasoning, has_errors of the one conversation
	}{
		{"continued_chat", chat, -1, [4]int64{150, 1, 1, 0}},
		{"regenerated_answer", append(chat[:2:2], withUsage(round([]dataset.Message{user("a"), bot("x"), user("b")}, bot("y2")), 7)), -1, [4]int64{22, 0, 0, 0}},
		{"identical_retry", append(chat[:2:2], withUsage(round([]dataset.Message{user("a"), bot("x"), user("b")}, thought), 9)), -1, [4]int64{45, 0, 1, 0}},
		{"stopped_early", append(chat[:1:1], stopped(round([]dataset.Message{user("a"), bot("x"), user("b")}, bot("cut")))), -1, [4]int64{15, 0, 0, 1}},
		{"failure_while_held", chat, 2, [4]int64{150, 1, 1, 1}},
		{"edited_turn", append(chat[:2:2], round([]dataset.Message{user("a"), bot("x edited"), user("b")}, bot("w"))), -1, [4]int64{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		for _, batched := range []bool{false, true} {
			name := tt.name + map[bool]string{false: "/one_per_write", true: "/one_write"}[batched]
			t.Run(name, func(t *testing.T) {
				db := openTest(t)
				at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
				var caps []Capture
				for i, r := range tt.rounds {
					if i == tt.failAt {
						caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions",
							Host: "up", Path: "/v1/chat/completions", Status: 500, Dialect: dataset.OpenAIChat,
							Start: at, End: at}})
						at = at.Add(time.Second)
					}
					caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions",
						Host: "up", Path: "/v1/chat/completions", Status: 200, Start: at, End: at}, Round: r})
					at = at.Add(time.Second)
				}
				if batched {
					if err := db.Write(t.Context(), caps); err != nil {
						t.Fatal(err)
					}
				} else {
					for _, c := range caps {
						if err := db.Write(t.Context(), []Capture{c}); err != nil {
							t.Fatal(err)
						}
					}
				}
				stored, walked := pathFactsOfAll(t, db)
				if len(stored) != 1 {
					t.Fatalf("%d conversations, want 1", len(stored))
				}
				for _, got := range stored {
					if got != tt.want {
						t.Errorf("list facts = %v, want %v", got, tt.want)
					}
				}
				if diff := cmp.Diff(walked, stored); diff != "" {
					t.Errorf("list facts after threading differ from a walk of the path (-walk +stored):\n%s", diff)
				}
			})
		}
	}
}

// pathFactsOfAll returns each conversation's list facts as stored, and as syncPath
// recomputes them (in a transaction it rolls back).
func pathFactsOfAll(t *testing.T, db *DB) (stored, walked map[int64][4]int64) {
	t.Helper()
	read := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) map[int64][4]int64 {
		rows, err := q.QueryContext(t.Context(), `SELECT id, tokens, has_tool_calls, has_reasoning, has_errors
			FROM conversations WHERE head_id IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64][4]int64{}
		for rows.Next() {
			var id int64
			var f [4]int64
			if err := rows.Scan(&id, &f[0], &f[1], &f[2], &f[3]); err != nil {
				t.Fatal(err)
			}
			out[id] = f
		}
		return out
	}
	stored = read(db.sql)
	tx, err := db.sql.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for id := range stored {
		if err := syncPath(t.Context(), tx, id); err != nil {
			t.Fatal(err)
		}
	}
	return stored, read(tx)
}

// TestSearchFollowsWrites checks that what Write, Reindex (in batches smaller than
// the data) and Load store is in both full-text indexes, which migration 0011 fills
// once per transaction instead of by trigger.
func TestSearchFollowsWrites(t *testing.T) {
	db := openTest(t)
	write(t, db,
		round([]dataset.Message{user("tide tables please")}, bot("high water at noon")),
		round([]dataset.Message{user("tide tables please"), bot("high water at noon"), user("and sourdough")}, bot("feed the starter")),
		round([]dataset.Message{user("regex for emails")}, bot("use a parser")),
	)
	if err := db.Load(t.Context(), []Seed{seed("climbing knots", "up", "gpt-a", day0, bot("a bowline"))}); err != nil {
		t.Fatal(err)
	}
	check := func(stage string, want map[string]int) {
		t.Helper()
		checkIndexes(t, db, stage)
		for query, n := range want {
			items, _, err := db.ListConversations(t.Context(), ListOptions{Query: query, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != n {
				t.Errorf("%s: search %q found %d conversations, want %d", stage, query, len(items), n)
			}
		}
	}
	check("after write", map[string]int{"starter": 1, "tide": 1, "parser": 1, "bowline": 1, "nothing": 0})
	// Reindex rebuilds from exchange bodies, which Load does not write: its conversation goes.
	reindex(t, db, ReindexOptions{BatchSize: 2})
	check("after reindex", map[string]int{"starter": 1, "tide": 1, "parser": 1, "bowline": 0, "nothing": 0})
}

// TestRoundWritesConversationOnce: threading stamps the revision and cost the
// triggers of migration 0019 would set, so a round writes its conversation's row
// in one statement (the triggers used to rewrite it four more times), while the
// revision still follows the counter and the cost the rates.
func TestRoundWritesConversationOnce(t *testing.T) {
	rc := newRecorder(t)
	db, ctx := rc.db, t.Context()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE rewrites (conversation_id INTEGER);
		CREATE TRIGGER count_rewrites AFTER UPDATE ON conversations BEGIN
			INSERT INTO rewrites VALUES (NEW.id);
		END`); err != nil {
		t.Fatal(err)
	}
	histories := map[string][]dataset.Message{}
	step := func(i int, title, model string) {
		history := histories[title]
		if history == nil {
			history = msgs(user(title))
		}
		answer := bot(fmt.Sprintf("answer %d", i))
		r := round(history, answer)
		r.Model = model
		r.Usage = dataset.Usage{PromptTokens: 1000 * (i + 1), CompletionTokens: 10, TotalTokens: 1000*(i+1) + 10, CachedTokens: 100}
		rc.capture(t, r)
		histories[title] = append(history, answer, user(fmt.Sprintf("more %d", i)))
	}
	for i, tt := range []struct {
		name  string
		title string // the conversation's first turn
		model string
		list  bool // set the rates first, which writes model_rates
	}{
		{"new_unpriced", "price me", "local", false},
		{"continued_unpriced", "price me", "local", false},
		{"continued_priced_model_switch", "price me", "gpt-big", true},
		{"continued_priced", "price me", "gpt-big", false},
		{"new_priced", "priced from the start", "gpt-big", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.list {
				if _, err := db.SetRates(ctx, testRates); err != nil {
					t.Fatal(err)
				}
				if _, err := db.sql.ExecContext(ctx, `UPDATE conversations SET model = 'gpt-big'`); err != nil {
					t.Fatal(err)
				}
				if _, err := db.SetRates(ctx, testRates); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.sql.ExecContext(ctx, `DELETE FROM rewrites`); err != nil {
				t.Fatal(err)
			}
			step(i, tt.title, tt.model)
			var rewrites, revision, counter int64
			var cost sql.NullFloat64
			var prompt, completion, cached, cacheWrite int64
			if err := db.sql.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM rewrites), c.revision,
				(SELECT value FROM counters WHERE name = 'revisions'), c.cost,
				c.prompt_tokens, c.completion_tokens, c.cached_tokens, c.cache_write_tokens
				FROM conversations c WHERE c.title = ?`, tt.title).Scan(&rewrites, &revision, &counter, &cost,
				&prompt, &completion, &cached, &cacheWrite); err != nil {
				t.Fatal(err)
			}
			if rewrites != 1 {
				t.Errorf("the round wrote the conversation's row %d times after inserting it, want once", rewrites)
			}
			if revision != counter {
				t.Errorf("revision %d, want the counter's %d", revision, counter)
			}
			var want sql.NullFloat64
			if r, ok := testRates(tt.model); ok {
				want = sql.NullFloat64{Valid: true, Float64: (float64(prompt-cached-cacheWrite)*r.Input +
					float64(cached)*r.Cached + float64(cacheWrite)*r.CacheWrite + float64(completion)*r.Output) / 1e6}
			}
			if cost.Valid != want.Valid || math.Abs(cost.Float64-want.Float64) > 1e-12 {
				t.Errorf("cost %v, want %v", cost, want)
			}
		})
	}
}
