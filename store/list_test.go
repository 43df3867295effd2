package store

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

var day0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// seed is a linear conversation: a user turn, then for each answer a follow-up.
func seed(title, host, model string, at time.Time, answers ...dataset.Message) Seed {
	s := Seed{Host: host, Dialect: dataset.OpenAIChat, Model: model, UserAgent: "OpenAI/Python 1.55.0"}
	parent := -1
	add := func(m dataset.Message, answer bool) {
		n := SeedNode{Parent: parent, Message: m, Answer: answer, Finish: "stop", At: at}
		if answer {
			n.Usage = dataset.Usage{PromptTokens: 10, CompletionTokens: 5}
		}
		s.Nodes = append(s.Nodes, n)
		parent = len(s.Nodes) - 1
		at = at.Add(time.Minute)
	}
	add(user(title), false)
	for i, a := range answers {
		if i > 0 {
			add(user("and then?"), false)
		}
		add(a, true)
	}
	s.Head = len(s.Nodes) - 1
	return s
}

// listFixture holds five conversations of known shape, loaded oldest first:
//
//	alpha  openai   gpt-a  1 round   plain
//	beta   deepseek gpt-b  2 rounds  reasoning
//	gamma  local    gpt-a  1 round   tool calls
//	delta  openai   gpt-b  3 rounds  cut at the token limit (an error)
//	eps    openai   gpt-a  1 round   HTML in the answer
func listFixture(t *testing.T) *DB {
	t.Helper()
	db := openTest(t)
	withReasoning := bot("it depends")
	withReasoning.Reasoning = "think about sourdough"
	withTools := dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "search", Arguments: "{}"}}}
	delta := seed("delta question", "api.openai.com", "gpt-b", day0.AddDate(0, 0, 3), bot("d1"), bot("d2"), bot("d3"))
	delta.Nodes[len(delta.Nodes)-1].Finish = "length"
	seeds := []Seed{
		seed("alpha question", "api.openai.com", "gpt-a", day0, bot("about tide tables")),
		seed("beta question", "api.deepseek.com", "gpt-b", day0.AddDate(0, 0, 1), bot("b1"), withReasoning),
		seed("gamma question", "127.0.0.1:5000", "gpt-a", day0.AddDate(0, 0, 2), withTools),
		delta,
		seed("eps question", "api.openai.com", "gpt-a", day0.AddDate(0, 0, 4), bot("use <b>bold</b> & tide tables")),
	}
	if err := db.Load(t.Context(), seeds); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return db
}

func titles(items []Summary) []string {
	out := []string{}
	for _, s := range items {
		out = append(out, s.Title[:len(s.Title)-len(" question")])
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestListFiltersAndSorts(t *testing.T) {
	db := listFixture(t)
	ctx := t.Context()
	if err := db.SetStatusReason(ctx, 2, dataset.StatusRejected, "off topic"); err != nil {
		t.Fatal(err)
	}
	good, err := db.CreateTag(ctx, "good", "")
	if err != nil {
		t.Fatal(err)
	}
	later, err := db.CreateTag(ctx, "later", "#123abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ conv, tag int64 }{{1, good.ID}, {3, good.ID}, {3, later.ID}} {
		if err := db.ChangeTags(ctx, c.conv, []int64{c.tag}, nil); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		opt       ListOptions
		want      []string
		wantTotal int
	}{
		{"all_newest_first", ListOptions{}, []string{"eps", "delta", "gamma", "beta", "alpha"}, 5},
		{"status", ListOptions{Status: dataset.StatusRejected}, []string{"beta"}, 1},
		{"model", ListOptions{Model: "gpt-b"}, []string{"delta", "beta"}, 2},
		{"host", ListOptions{Host: "127.0.0.1:5000"}, []string{"gamma"}, 1},
		{"one_tag", ListOptions{Tags: []int64{good.ID}}, []string{"gamma", "alpha"}, 2},
		{"all_tags_must_match", ListOptions{Tags: []int64{good.ID, later.ID}}, []string{"gamma"}, 1},
		{"from", ListOptions{From: day0.AddDate(0, 0, 3)}, []string{"eps", "delta"}, 2},
		{"to", ListOptions{To: day0.AddDate(0, 0, 1).Add(time.Hour)}, []string{"beta", "alpha"}, 2},
		{"has_tools", ListOptions{HasToolCalls: ptr(true)}, []string{"gamma"}, 1},
		{"no_tools", ListOptions{HasToolCalls: ptr(false)}, []string{"eps", "delta", "beta", "alpha"}, 4},
		{"has_reasoning", ListOptions{HasReasoning: ptr(true)}, []string{"beta"}, 1},
		{"has_errors", ListOptions{HasErrors: ptr(true)}, []string{"delta"}, 1},
		{"combined", ListOptions{Model: "gpt-a", HasToolCalls: ptr(false), Host: "api.openai.com"}, []string{"eps", "alpha"}, 2},
		{"sort_created_asc", ListOptions{Sort: SortCreated, Asc: true}, []string{"alpha", "beta", "gamma", "delta", "eps"}, 5},
		{"sort_rounds", ListOptions{Sort: SortRounds}, []string{"delta", "beta", "eps", "gamma", "alpha"}, 5},
		{"sort_tokens_asc", ListOptions{Sort: SortTokens, Asc: true}, []string{"alpha", "gamma", "eps", "beta", "delta"}, 5},
		{"page", ListOptions{Limit: 2, Offset: 1}, []string{"delta", "gamma"}, 5},
		{"page_past_the_end", ListOptions{Limit: 2, Offset: 10}, []string{}, 5},
		{"search", ListOptions{Query: "tide"}, []string{"eps", "alpha"}, 2},
		{"search_reasoning", ListOptions{Query: "sourdough"}, []string{"beta"}, 1},
		{"search_and_filter", ListOptions{Query: "tide", Tags: []int64{good.ID}}, []string{"alpha"}, 1},
		// Any other condition narrows the search: its number of hits is no longer the count.
		{"search_and_from", ListOptions{Query: "tide", From: day0.AddDate(0, 0, 3)}, []string{"eps"}, 1},
		{"search_and_flag", ListOptions{Query: "tide", HasErrors: ptr(true)}, []string{}, 0},
		{"search_phrase", ListOptions{Query: `"tide tables"`}, []string{"eps", "alpha"}, 2},
		{"search_prefix", ListOptions{Query: "sour*"}, []string{"beta"}, 1},
		{"search_plain_punctuation", ListOptions{Query: "tide-tables"}, []string{"eps", "alpha"}, 2},
		{"search_no_hits", ListOptions{Query: "nothinglikethis"}, []string{}, 0},
		{"search_page_past_the_end", ListOptions{Query: "tide", Offset: 5}, []string{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, total, err := db.ListConversations(ctx, tt.opt)
			if err != nil {
				t.Fatalf("ListConversations(%+v): %v", tt.opt, err)
			}
			if diff := cmp.Diff(tt.want, titles(items)); diff != "" || total != tt.wantTotal {
				t.Errorf("ListConversations(%+v) total %d, want %d; titles (-want +got):\n%s", tt.opt, total, tt.wantTotal, diff)
			}
		})
	}
}

func TestListBadInput(t *testing.T) {
	db := listFixture(t)
	tests := []struct {
		name string
		opt  ListOptions
	}{
		{"unbalanced_quote", ListOptions{Query: `"tide`}},
		{"dangling_operator", ListOptions{Query: "tide AND"}},
		{"unknown_column", ListOptions{Query: "nosuch:tide"}},
		{"bad_sort", ListOptions{Sort: "title"}},
		{"bad_status", ListOptions{Status: "maybe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := db.ListConversations(t.Context(), tt.opt); !errors.Is(err, ErrInvalid) {
				t.Errorf("ListConversations(%+v) error = %v, want ErrInvalid", tt.opt, err)
			}
		})
	}
}

func TestSummaryFields(t *testing.T) {
	db := listFixture(t)
	items, _, err := db.ListConversations(t.Context(), ListOptions{Query: "bold"})
	if err != nil || len(items) != 1 {
		t.Fatalf("search bold = %v, %v", items, err)
	}
	got := items[0]
	if want := "use &lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; tide tables"; got.Snippet != want {
		t.Errorf("snippet = %q, want %q", got.Snippet, want)
	}
	if got.Provider != "openai" || got.Client != "OpenAI/Python 1.55.0" || got.Tokens != 15 || got.Tags == nil {
		t.Errorf("summary = %+v, want provider openai, client OpenAI/Python 1.55.0, 15 tokens, tags []", got)
	}
	d, err := db.Conversation(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rounds != 3 || d.Tokens != 45 || !d.HasErrors || d.Tags == nil {
		t.Errorf("detail summary = %+v, want 3 rounds, 45 tokens, has errors, tags []", d.Summary)
	}
}

func TestHighlight(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a < b", "a &lt; b"},
		{"one_hit", "x " + markOpen + "hit" + markClose + " y", "x <mark>hit</mark> y"},
		{"stray_close", "x" + markClose + "y", "xy"},
		{"unclosed", markOpen + "hit", "<mark>hit</mark>"},
		{"newlines_folded", "a\n\nb", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := highlight(tt.in); got != tt.want {
				t.Errorf("highlight(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestThreadingFillsListColumns: conversations made by capture (Write) get the
// columns of migration 0004 from the threading path.
func TestThreadingFillsListColumns(t *testing.T) {
	db := openTest(t)
	r1 := round(msgs(user("hi")), bot("hello"))
	r1.Usage = dataset.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}
	r2 := round(msgs(user("hi"), bot("hello"), user("more")), bot("more text"))
	r2.Usage = dataset.Usage{PromptTokens: 9, CompletionTokens: 4}
	r2.Answers[0].Reasoning = "hmm"
	ua := map[string][]string{"User-Agent": {"OpenAI/Python 1.55.0"}}
	caps := []Capture{
		{Exchange: Exchange{Method: "POST", Host: "api.openai.com", Path: "/v1/chat/completions", Status: 200,
			Dialect: dataset.OpenAIChat, ReqHeader: ua, Start: day0, End: day0}, Round: r1},
		{Exchange: Exchange{Method: "POST", Host: "api.openai.com", Path: "/v1/chat/completions", Status: 429,
			Dialect: dataset.OpenAIChat, Start: day0.Add(time.Minute), End: day0.Add(time.Minute)}},
		{Exchange: Exchange{Method: "POST", Host: "api.openai.com", Path: "/v1/chat/completions", Status: 200,
			Dialect: dataset.OpenAIChat, Start: day0.Add(2 * time.Minute), End: day0.Add(2 * time.Minute)}, Round: r2},
	}
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	items, _, err := db.ListConversations(t.Context(), ListOptions{})
	if err != nil || len(items) != 1 {
		t.Fatalf("list = %v, %v; want one conversation", items, err)
	}
	got := items[0]
	got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	want := Summary{ID: 1, Title: "hi", Status: dataset.StatusUnreviewed, Model: "gpt-test", Host: "api.openai.com",
		Provider: "openai", Rounds: 2, MessageCount: 4, Tokens: 18, PromptTokens: 12, CompletionTokens: 6, Tags: []Tag{},
		Client:       "OpenAI/Python 1.55.0",
		HasReasoning: true, HasErrors: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestTags(t *testing.T) {
	db := listFixture(t)
	ctx := t.Context()
	good, err := db.CreateTag(ctx, " good ", "#2DA44E")
	if err != nil {
		t.Fatal(err)
	}
	if good.Name != "good" || good.Color != "#2da44e" {
		t.Errorf("CreateTag = %+v, want trimmed name and lower-case colour", good)
	}
	other, err := db.CreateTag(ctx, "other", "")
	if err != nil || other.Color == "" {
		t.Fatalf("CreateTag without colour = %+v, %v; want a palette colour", other, err)
	}
	errTests := []struct {
		name string
		do   func() error
		want error
	}{
		{"duplicate_name", func() error { _, err := db.CreateTag(ctx, "GOOD", ""); return err }, ErrConflict},
		{"empty_name", func() error { _, err := db.CreateTag(ctx, "  ", ""); return err }, ErrInvalid},
		{"bad_colour", func() error { _, err := db.CreateTag(ctx, "x", "red"); return err }, ErrInvalid},
		{"bad_colour_digits", func() error { _, err := db.CreateTag(ctx, "x", "#12345g"); return err }, ErrInvalid},
		{"rename_to_taken", func() error { _, err := db.UpdateTag(ctx, other.ID, ptr("Good"), nil); return err }, ErrConflict},
		{"update_unknown", func() error { _, err := db.UpdateTag(ctx, 99, ptr("x"), nil); return err }, ErrNotFound},
		{"delete_unknown", func() error { return db.DeleteTag(ctx, 99) }, ErrNotFound},
		{"assign_unknown_tag", func() error { return db.ChangeTags(ctx, 1, []int64{good.ID, 99}, nil) }, ErrNotFound},
		{"assign_unknown_conversation", func() error { return db.ChangeTags(ctx, 99, []int64{good.ID}, nil) }, ErrNotFound},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
	if tags, _ := db.Tags(ctx, 1); len(tags) != 0 {
		t.Errorf("tags of 1 after a failed change = %v, want none (one transaction)", tags)
	}
	renamed, err := db.UpdateTag(ctx, good.ID, ptr("great"), ptr("#000000"))
	if err != nil || renamed.Name != "great" || renamed.Color != "#000000" {
		t.Errorf("UpdateTag = %+v, %v", renamed, err)
	}
	if _, err := db.UpdateTag(ctx, good.ID, ptr("Great"), nil); err != nil {
		t.Errorf("renaming a tag to its own name in another case: %v", err)
	}
	for _, id := range []int64{1, 2} {
		if err := db.ChangeTags(ctx, id, []int64{good.ID, other.ID}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ChangeTags(ctx, 2, []int64{good.ID}, []int64{other.ID}); err != nil { // adding twice is fine
		t.Fatal(err)
	}
	all, err := db.AllTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tg := range all {
		counts[tg.Name] = tg.Count
	}
	if diff := cmp.Diff(map[string]int{"Great": 2, "other": 1}, counts); diff != "" {
		t.Errorf("tag counts (-want +got):\n%s", diff)
	}
	if err := db.DeleteTag(ctx, good.ID); err != nil {
		t.Fatal(err)
	}
	if tags, _ := db.Tags(ctx, 1); !cmp.Equal(tags, []string{"other"}) {
		t.Errorf("tags of 1 after deleting Great = %v, want [other]", tags)
	}
}

func TestBulk(t *testing.T) {
	db := listFixture(t)
	ctx := t.Context()
	tag, err := db.CreateTag(ctx, "batch", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		opt      BulkOptions
		want     int
		wantErr  error
		selected ListOptions // then lists exactly wantTitles
		titles   []string
	}{
		{"status_by_ids_skips_unknown", BulkOptions{IDs: []int64{1, 2, 99}, Action: BulkStatus, Status: dataset.StatusConfirmed}, 2, nil,
			ListOptions{Status: dataset.StatusConfirmed}, []string{"beta", "alpha"}},
		{"reject_by_filter_with_reason", BulkOptions{Filter: &ListOptions{Model: "gpt-a", Limit: 1}, Action: BulkStatus,
			Status: dataset.StatusRejected, Reason: "too short"}, 3, nil, ListOptions{Status: dataset.StatusRejected}, []string{"eps", "gamma", "alpha"}},
		{"tag_by_search", BulkOptions{Filter: &ListOptions{Query: "tide"}, Action: BulkTag, TagID: tag.ID}, 2, nil,
			ListOptions{Tags: []int64{tag.ID}}, []string{"eps", "alpha"}},
		{"untag_by_ids", BulkOptions{IDs: []int64{1}, Action: BulkUntag, TagID: tag.ID}, 1, nil,
			ListOptions{Tags: []int64{tag.ID}}, []string{"eps"}},
		{"unknown_tag", BulkOptions{IDs: []int64{1}, Action: BulkTag, TagID: 99}, 0, ErrNotFound, ListOptions{}, nil},
		{"no_selection", BulkOptions{Action: BulkTag, TagID: tag.ID}, 0, ErrInvalid, ListOptions{}, nil},
		{"bad_action", BulkOptions{IDs: []int64{1}, Action: "delete"}, 0, ErrInvalid, ListOptions{}, nil},
		{"bad_search", BulkOptions{Filter: &ListOptions{Query: `"x`}, Action: BulkTag, TagID: tag.ID}, 0, ErrInvalid, ListOptions{}, nil},
		{"reason_without_reject", BulkOptions{IDs: []int64{1}, Action: BulkStatus, Status: dataset.StatusConfirmed, Reason: "x"}, 0, ErrInvalid, ListOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := db.Bulk(ctx, tt.opt)
			if !errors.Is(err, tt.wantErr) || n != tt.want {
				t.Fatalf("Bulk(%+v) = %d, %v; want %d, %v", tt.opt, n, err, tt.want, tt.wantErr)
			}
			if tt.titles == nil {
				return
			}
			items, _, err := db.ListConversations(ctx, tt.selected)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.titles, titles(items)); diff != "" {
				t.Errorf("after Bulk, %+v lists (-want +got):\n%s", tt.selected, diff)
			}
		})
	}
	d, err := db.Conversation(ctx, 1)
	if err != nil || d.RejectReason != "too short" {
		t.Errorf("reject reason of 1 = %q, %v; want %q", d.RejectReason, err, "too short")
	}
}

func TestStatusNoteAndChanged(t *testing.T) {
	db := listFixture(t)
	ctx := t.Context()
	before, err := db.Changed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"reject_with_reason", func() error { return db.SetStatusReason(ctx, 1, dataset.StatusRejected, "off topic") }, nil},
		{"note", func() error { return db.SetNote(ctx, 1, "check the numbers") }, nil},
		{"reason_needs_rejected", func() error { return db.SetStatusReason(ctx, 1, dataset.StatusConfirmed, "x") }, ErrInvalid},
		{"unknown_conversation", func() error { return db.SetNote(ctx, 99, "x") }, ErrNotFound},
		{"note_too_long", func() error { return db.SetNote(ctx, 1, string(make([]rune, MaxNote+1))) }, ErrInvalid},
	}
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	d, _ := db.Conversation(ctx, 1)
	if d.Status != dataset.StatusRejected || d.RejectReason != "off topic" || d.Note != "check the numbers" {
		t.Errorf("conversation 1 = %s %q %q, want rejected, reason and note kept", d.Status, d.RejectReason, d.Note)
	}
	if err := db.SetStatus(ctx, 1, dataset.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	if d, _ := db.Conversation(ctx, 1); d.RejectReason != "" {
		t.Errorf("reject reason after confirming = %q, want cleared", d.RejectReason)
	}
	after, err := db.Changed(ctx)
	if err != nil || after <= before {
		t.Errorf("Changed = %d then %d, %v; want it to grow", before, after, err)
	}
	c, err := db.Counts(ctx)
	if err != nil || c.Changed != after {
		t.Errorf("Counts().Changed = %d, %v; want %d", c.Changed, err, after)
	}
}

func TestFacetsAndStats(t *testing.T) {
	db := listFixture(t)
	ctx := t.Context()
	if err := db.SetStatus(ctx, 1, dataset.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	f, err := db.Facets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantModels := []Facet{{"gpt-a", 3}, {"gpt-b", 2}}
	wantHosts := []Facet{{"api.openai.com", 3}, {"127.0.0.1:5000", 1}, {"api.deepseek.com", 1}}
	if diff := cmp.Diff(wantModels, f.Models); diff != "" {
		t.Errorf("model facets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantHosts, f.Hosts); diff != "" {
		t.Errorf("host facets (-want +got):\n%s", diff)
	}
	st, err := db.Stats(ctx, day0.AddDate(0, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[dataset.Status]int{dataset.StatusUnreviewed: 4, dataset.StatusConfirmed: 1, dataset.StatusRejected: 0}
	if diff := cmp.Diff(wantStatus, st.ByStatus); diff != "" {
		t.Errorf("by status (-want +got):\n%s", diff)
	}
	days := []string{}
	for _, d := range st.ByDay {
		days = append(days, d.Day)
	}
	if !sort.StringsAreSorted(days) || len(days) != 5 || days[0] != "2026-11-01" {
		t.Errorf("by day = %v, want the five days from 2026-11-01", days)
	}
	if st.Tokens != 15*8 || st.RecentErrors == nil || len(st.ByModel) != 2 {
		t.Errorf("stats = %+v, want 120 tokens, recent errors [] and two models", st)
	}
}
