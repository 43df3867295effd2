package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sys(s string) dataset.Message  { return dataset.Message{Role: dataset.RoleSystem, Content: s} }
func user(s string) dataset.Message { return dataset.Message{Role: dataset.RoleUser, Content: s} }
func bot(s string) dataset.Message  { return dataset.Message{Role: dataset.RoleAssistant, Content: s} }

// round is a chat request with history msgs answered by answers.
func round(msgs []dataset.Message, answers ...dataset.Message) *dataset.Round {
	return &dataset.Round{Dialect: dataset.OpenAIChat, Model: "gpt-test", Messages: msgs, Answers: answers, FinishReason: "stop"}
}

func write(t *testing.T, db *DB, rounds ...*dataset.Round) {
	t.Helper()
	writeSteps(t, db, steps(rounds...))
}

// contents renders each conversation's chosen path, newest conversation first.
func contents(t *testing.T, db *DB) [][]string {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{}
	for _, s := range items {
		d, err := db.Conversation(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, m := range d.Messages {
			path = append(path, string(m.Role[0])+":"+m.Content)
		}
		out = append(out, path)
	}
	return out
}

func TestThreading(t *testing.T) {
	hello := []dataset.Message{sys("be nice"), user("hi")}
	tests := []struct {
		name   string
		rounds []*dataset.Round
		want   [][]string
	}{
		{
			name: "multi_turn_chat_is_one_conversation",
			rounds: []*dataset.Round{
				round(hello, bot("hello")),
				round(append(hello[:2:2], bot("hello"), user("how are you")), bot("fine")),
				round(append(hello[:2:2], bot("hello"), user("how are you"), bot("fine"), user("bye")), bot("ciao")),
			},
			want: [][]string{{"s:be nice", "u:hi", "a:hello", "u:how are you", "a:fine", "u:bye", "a:ciao"}},
		},
		{
			name: "regeneration_is_a_branch_and_newest_wins",
			rounds: []*dataset.Round{
				round(hello, bot("hello")),
				round(hello, bot("hey there")),
			},
			want: [][]string{{"s:be nice", "u:hi", "a:hey there"}},
		},
		{
			name: "identical_retry_is_kept_once",
			rounds: []*dataset.Round{
				round(hello, bot("hello")),
				round(hello, bot("hello")),
			},
			want: [][]string{{"s:be nice", "u:hi", "a:hello"}},
		},
		{
			name: "shared_system_prompt_only_starts_new_conversation",
			rounds: []*dataset.Round{
				round(hello, bot("hello")),
				round([]dataset.Message{sys("be nice"), user("other topic")}, bot("sure")),
			},
			want: [][]string{
				{"s:be nice", "u:other topic", "a:sure"},
				{"s:be nice", "u:hi", "a:hello"},
			},
		},
		{
			// An answer no response carried, where a captured one stands: the client
			// rewrote it (issue 12), one conversation with the edit as a sibling.
			name: "rewritten_first_answer_is_a_client_edit",
			rounds: []*dataset.Round{
				round(hello, bot("hello")),
				round(append(hello[:2:2], bot("something else"), user("go on")), bot("ok")),
			},
			want: [][]string{
				{"s:be nice", "u:hi", "a:something else", "u:go on", "a:ok"},
			},
		},
		{
			name: "resent_answer_without_reasoning_still_continues",
			rounds: []*dataset.Round{
				round(hello, dataset.Message{Role: dataset.RoleAssistant, Content: "hello", Reasoning: "greet back"}),
				round(append(hello[:2:2], bot(" hello\n"), user("more")), bot("done")),
			},
			want: [][]string{{"s:be nice", "u:hi", "a:hello", "u:more", "a:done"}},
		},
		{
			name: "tool_call_round_trip",
			rounds: []*dataset.Round{
				round([]dataset.Message{user("weather in Paris?")}, dataset.Message{Role: dataset.RoleAssistant,
					ToolCalls: []dataset.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}}),
				round([]dataset.Message{user("weather in Paris?"),
					{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city": "Paris"}`}}},
					{Role: dataset.RoleTool, ToolCallID: "call_1", Content: `{"temp":21}`}}, bot("21 degrees")),
			},
			want: [][]string{{"u:weather in Paris?", "a:", "t:{\"temp\":21}", "a:21 degrees"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			write(t, db, tt.rounds...)
			if diff := cmp.Diff(tt.want, contents(t, db)); diff != "" {
				t.Errorf("conversations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRegenerationSiblings(t *testing.T) {
	db := openTest(t)
	h := []dataset.Message{user("tell a joke")}
	write(t, db, round(h, bot("joke one")), round(h, bot("joke two")), round(h, bot("joke three")))
	items, total, err := db.ListConversations(t.Context(), ListOptions{})
	if err != nil || total != 1 {
		t.Fatalf("ListConversations = %d items, %v; want 1", total, err)
	}
	d, err := db.Conversation(t.Context(), items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Messages[len(d.Messages)-1]
	if last.Content != "joke three" || last.Siblings != 3 {
		t.Errorf("head = %q with %d siblings, want %q with 3", last.Content, last.Siblings, "joke three")
	}
	if d.Rounds != 1 || d.MessageCount != 2 {
		t.Errorf("rounds, messages = %d, %d; want 1, 2", d.Rounds, d.MessageCount)
	}
}

func TestNParallelChoicesAreSiblings(t *testing.T) {
	db := openTest(t)
	write(t, db, round([]dataset.Message{user("name a colour")}, bot("red"), bot("blue")))
	d, err := db.Conversation(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Messages[len(d.Messages)-1]
	if last.Content != "red" || last.Siblings != 2 {
		t.Errorf("head = %q with %d siblings, want first choice %q with 2", last.Content, last.Siblings, "red")
	}
}

func TestExchangeWithoutRoundMakesNoConversation(t *testing.T) {
	db := openTest(t)
	err := db.Write(t.Context(), []Capture{{Exchange: Exchange{Method: "GET", URL: "http://up/v1/models", Status: 200,
		ReqHeader: map[string][]string{"Authorization": {"Bearer [redacted]"}}, Start: time.Now(), End: time.Now()}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Conversations: 0, Exchanges: 1}); c != want {
		t.Errorf("Counts() = %+v, want %+v", c, want)
	}
}

func TestConversationNotFound(t *testing.T) {
	db := openTest(t)
	if _, err := db.Conversation(t.Context(), 42); !errors.Is(err, ErrNotFound) {
		t.Errorf("Conversation(42) error = %v, want ErrNotFound", err)
	}
	if err := db.SetStatus(t.Context(), 42, dataset.StatusConfirmed); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetStatus(42) error = %v, want ErrNotFound", err)
	}
}

func TestListAndExportFilters(t *testing.T) {
	db := openTest(t)
	for _, q := range []string{"one", "two", "three"} {
		write(t, db, round([]dataset.Message{user(q)}, bot("answer "+q)))
	}
	if err := db.SetStatus(t.Context(), 1, dataset.StatusRejected); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStatus(t.Context(), 2, dataset.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStatus(t.Context(), 2, "bogus"); err == nil {
		t.Error("SetStatus(bogus) = nil, want an error")
	}

	page, total, err := db.ListConversations(t.Context(), ListOptions{Limit: 1, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || len(page) != 1 || page[0].Title != "two" {
		t.Errorf("page 2 of 1 = %+v (total %d), want [two] of 3", page, total)
	}
	confirmed, total, err := db.ListConversations(t.Context(), ListOptions{Status: dataset.StatusConfirmed})
	if err != nil || total != 1 || confirmed[0].Title != "two" {
		t.Errorf("confirmed = %+v (total %d, %v), want [two]", confirmed, total, err)
	}

	tests := []struct {
		name   string
		filter ExportFilter
		want   []string
	}{
		{"default_skips_rejected", ExportFilter{}, []string{"two", "three"}},
		{"confirmed_only", ExportFilter{Statuses: []dataset.Status{dataset.StatusConfirmed}}, []string{"two"}},
		{"rejected_only", ExportFilter{Statuses: []dataset.Status{dataset.StatusRejected}}, []string{"one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := db.EachConversation(t.Context(), tt.filter, func(c dataset.Conversation) error {
				got = append(got, c.Title)
				if len(c.Messages) != 2 {
					t.Errorf("conversation %q has %d messages, want 2", c.Title, len(c.Messages))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("exported (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llmtap.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, db, round([]dataset.Message{user("persist me")}, bot("ok")))
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if newest := ms[len(ms)-1].version; db.sql.QueryRow(`PRAGMA user_version`).Scan(&v) != nil || v != newest {
		t.Errorf("user_version = %d; want %d (every migration)", v, newest)
	}
	if got := contents(t, db); len(got) != 1 {
		t.Errorf("after reopen %d conversations, want 1", len(got))
	}
}

// TestReadWhileWriting checks that list queries work while the writer commits (WAL).
func TestReadWhileWriting(t *testing.T) {
	db := openTest(t)
	done := make(chan error)
	go func() {
		for i := range 50 {
			r := round([]dataset.Message{user("q" + string(rune('a'+i%26)) + time.Duration(i).String())}, bot("a"))
			err := db.Write(context.Background(), []Capture{{Exchange: Exchange{Method: "POST", Start: time.Now(), End: time.Now()}, Round: r}})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 50 {
		if _, _, err := db.ListConversations(t.Context(), ListOptions{}); err != nil {
			t.Fatalf("ListConversations while writing: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// TestMessageCountIncludesPrelude keeps the list's count equal to what the detail shows.
func TestMessageCountIncludesPrelude(t *testing.T) {
	db := openTest(t)
	h := []dataset.Message{sys("be brief"), user("hi")}
	write(t, db, round(h, bot("hello")), round(append(h[:2:2], bot("hello"), user("more")), bot("ok")))
	items, _, err := db.ListConversations(t.Context(), ListOptions{})
	if err != nil || len(items) != 1 {
		t.Fatalf("ListConversations = %v, %v; want 1 conversation", items, err)
	}
	d, err := db.Conversation(t.Context(), items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].MessageCount != 5 || len(d.Messages) != 5 {
		t.Errorf("message count %d, detail has %d messages; want 5 and 5 (system + 4 turns)", items[0].MessageCount, len(d.Messages))
	}
}
