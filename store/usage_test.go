package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

func TestUsage(t *testing.T) {
	db := openTest(t)
	day1 := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	ex := func(model string, at time.Time, ms int, status int, u dataset.Usage, text string) Capture {
		c := Capture{Exchange: Exchange{Method: "POST", URL: "https://api.openai.com/v1/chat/completions", Host: "api.openai.com",
			Path: "/v1/chat/completions", Model: model, Dialect: dataset.OpenAIChat, Status: status, Start: at,
			End: at.Add(time.Duration(ms) * time.Millisecond)}}
		if status == 200 {
			r := round([]dataset.Message{user(text)}, bot("answer to "+text))
			r.Model, r.Usage = model, u
			c.Round = r
		}
		return c
	}
	caps := []Capture{
		ex("gpt-4o", day1, 100, 200, dataset.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}, "a"),
		ex("gpt-4o", day1.Add(time.Minute), 300, 200, dataset.Usage{PromptTokens: 20, CompletionTokens: 7, TotalTokens: 27, CachedTokens: 16}, "b"),
		ex("gpt-4o", day1.Add(2*time.Minute), 5, 429, dataset.Usage{}, ""),
		ex("claude-x", day1.Add(time.Hour), 1000, 200, dataset.Usage{PromptTokens: 100, CompletionTokens: 50, TotalTokens: 150, CachedTokens: 40, CacheWriteTokens: 55}, "c"),
		ex("llama", day1.Add(-48*time.Hour), 50, 200, dataset.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}, "old"),
	}
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	got, err := db.Usage(t.Context(), day1.Add(-time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := []UsageRow{
		{Day: "2026-12-01", Model: "gpt-4o", Requests: 3, OK: 2, LatencyP50MS: 100, LatencyP95MS: 300, Answers: 2, InputTokens: 30, OutputTokens: 12, CachedTokens: 16},
		{Day: "2026-12-02", Model: "claude-x", Requests: 1, OK: 1, LatencyP50MS: 1000, LatencyP95MS: 1000, Answers: 1, InputTokens: 100, OutputTokens: 50, CachedTokens: 40, CacheWriteTokens: 55},
	}
	if diff := cmp.Diff(want, got.ByDayModel); diff != "" {
		t.Errorf("Usage by day and model (-want +got):\n%s", diff)
	}
	wantModels := []UsageRow{
		{Model: "claude-x", Requests: 1, OK: 1, LatencyP50MS: 1000, LatencyP95MS: 1000, Answers: 1, InputTokens: 100, OutputTokens: 50, CachedTokens: 40, CacheWriteTokens: 55},
		{Model: "gpt-4o", Requests: 3, OK: 2, LatencyP50MS: 100, LatencyP95MS: 300, Answers: 2, InputTokens: 30, OutputTokens: 12, CachedTokens: 16},
	}
	if diff := cmp.Diff(wantModels, got.ByModel); diff != "" {
		t.Errorf("Usage by model (-want +got):\n%s", diff)
	}
	// Days follow the location: in UTC+2 both land on 12-02.
	got, err = db.Usage(t.Context(), day1.Add(-time.Hour), time.FixedZone("x", 2*3600))
	if err != nil {
		t.Fatal(err)
	}
	// Per day, latencies are over all models: 100, 300 and 1000 ms.
	wantDays := []UsageRow{{Day: "2026-12-02", Requests: 4, OK: 3, LatencyP50MS: 300, LatencyP95MS: 1000, Answers: 3,
		InputTokens: 130, OutputTokens: 62, CachedTokens: 56, CacheWriteTokens: 55}}
	if diff := cmp.Diff(wantDays, got.ByDay); diff != "" {
		t.Errorf("Usage by day in UTC+2 (-want +got):\n%s", diff)
	}
}
