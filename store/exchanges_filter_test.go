package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

func TestExchangeFilters(t *testing.T) {
	db := openTest(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ex := func(host, path, model string, d dataset.Dialect, status int, errText string, at time.Duration) Capture {
		return Capture{Exchange: Exchange{Method: "POST", URL: "https://" + host + path, Host: host, Path: path, Model: model,
			Dialect: d, Status: status, Err: errText, Start: t0.Add(at), End: t0.Add(at + time.Second)}}
	}
	chat := ex("api.openai.com", "/v1/chat/completions", "gpt-4o", dataset.OpenAIChat, 200, "", 0)
	chat.Round = round([]dataset.Message{user("hi")}, bot("hello"))
	caps := []Capture{
		chat, // 1
		ex("api.anthropic.com", "/v1/messages", "claude-x", dataset.Anthropic, 429, "", time.Hour),                               // 2
		ex("127.0.0.1:11434", "/api/tags", "", "", 200, "", 2*time.Hour),                                                         // 3
		ex("api.openai.com", "/v1/chat/completions", "gpt-4o_mini", dataset.OpenAIChat, 502, "llmtap cannot reach", 3*time.Hour), // 4
		ex("api.openai.com", "/v1/embeddings", "text-embed", "", 500, "", 4*time.Hour),                                           // 5
	}
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    ExchangeFilter
		want []int64 // newest first
	}{
		{"none", ExchangeFilter{}, []int64{5, 4, 3, 2, 1}},
		{"host", ExchangeFilter{Host: "api.openai.com"}, []int64{5, 4, 1}},
		{"model", ExchangeFilter{Model: "gpt-4o"}, []int64{1}},
		{"dialect", ExchangeFilter{Dialect: "anthropic"}, []int64{2}},
		{"dialect_none", ExchangeFilter{Dialect: "none"}, []int64{5, 3}},
		{"status_exact", ExchangeFilter{Status: "429"}, []int64{2}},
		{"status_class", ExchangeFilter{Status: "5xx"}, []int64{5, 4}},
		{"status_failed", ExchangeFilter{Status: "failed"}, []int64{4}},
		{"since_until", ExchangeFilter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, []int64{3, 2}},
		{"text_url", ExchangeFilter{Text: "EMBEDDINGS"}, []int64{5}},
		{"text_error", ExchangeFilter{Text: "cannot reach"}, []int64{4}},
		{"text_underscore_is_literal", ExchangeFilter{Text: "4o_"}, []int64{4}},
		{"combined", ExchangeFilter{Host: "api.openai.com", Status: "2xx", Text: "chat"}, []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, total, err := db.ListExchanges(t.Context(), ExchangeListOptions{ExchangeFilter: tt.f})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range items {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Errorf("ListExchanges(%+v) = %v (total %d), want %v", tt.f, got, total, tt.want)
			}
		})
	}
	// Kind and filter combine.
	items, _, err := db.ListExchanges(t.Context(), ExchangeListOptions{Kind: ExchangesErrors, ExchangeFilter: ExchangeFilter{Host: "api.openai.com"}})
	if err != nil || len(items) != 2 {
		t.Errorf("errors on api.openai.com = %d items (%v), want 2", len(items), err)
	}
	if _, _, err := db.ListExchanges(t.Context(), ExchangeListOptions{ExchangeFilter: ExchangeFilter{Status: "6xx"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("status 6xx: error %v, want ErrInvalid", err)
	}

	facets, err := db.ExchangeFacets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(facets.Hosts, []string{"127.0.0.1:11434", "api.anthropic.com", "api.openai.com"}) ||
		!slices.Equal(facets.Dialects, []string{"anthropic", "openai-chat"}) || len(facets.Models) != 4 {
		t.Errorf("ExchangeFacets = %+v", facets)
	}

	conv, err := db.ExchangeConversation(t.Context(), 1)
	if err != nil || conv == 0 {
		t.Errorf("ExchangeConversation(1) = %d, %v; want the chat's conversation", conv, err)
	}
	if _, err := db.ExchangeConversation(t.Context(), 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExchangeConversation(3) error = %v, want ErrNotFound for a model list", err)
	}
}
