package app

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/llmtap/llmtap/app/pricing"
	"github.com/llmtap/llmtap/internal/apptest"
)

// cachingOpenAI is an upstream that reports usage as OpenAI does for a cached
// prompt: 1,000 prompt tokens per user turn, of which all but the last turn's came
// from the cache (prompt_tokens_details.cached_tokens), and 100 completion tokens.
func cachingOpenAI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := apptest.ReadChat(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		users := req.Users
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-test","choices":[{"index":0,
			"message":{"role":"assistant","content":"answer %d"},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":%d,"completion_tokens":100,"total_tokens":%d,
			"prompt_tokens_details":{"cached_tokens":%d,"audio_tokens":0}}}`, users, 1000*users, 1000*users+100, 1000*(users-1))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCachedTokensPriced sends a one-round and a two-round chat whose second round
// reads 1,000 tokens from the prompt cache, and checks that the cached tokens are
// kept apart and priced at the cached rate in the conversation's usage, the list
// (sorted by cost) and the usage report.
func TestCachedTokensPriced(t *testing.T) {
	ta := startApp(t, cachingOpenAI(t).URL)
	ta.chat(t, false, "short chat")
	a := ta.chat(t, false, "long chat")
	ta.chat(t, false, "long chat", a, "go on")
	ta.wait(t, 3)
	if code, body := ta.do(t, "PUT", "/api/prices", `{"overrides":{"gpt-test":{"input":10,"cachedInput":1,"output":20}}}`); code != 200 {
		t.Fatalf("PUT /api/prices = %d %s", code, body)
	}
	// short: 1000 fresh + 100 out; long: 1000 fresh + 100 out, then 1000 fresh + 1000 cached + 100 out.
	const short, long = (1000*10 + 100*20) / 1e6, (2000*10 + 1000*1 + 200*20) / 1e6

	var page struct {
		Items []struct {
			ID           int64    `json:"id"`
			Title        string   `json:"title"`
			PromptTokens int64    `json:"promptTokens"`
			CachedTokens int64    `json:"cachedTokens"`
			CostUSD      *float64 `json:"costUsd"`
		} `json:"items"`
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"sort=cost", []string{"long chat", "short chat"}},
		{"sort=cost&order=asc", []string{"short chat", "long chat"}},
	}
	for _, tt := range tests {
		if code := ta.getJSON(t, "/api/conversations?"+tt.query, &page); code != 200 || len(page.Items) != 2 {
			t.Fatalf("GET /api/conversations?%s = %d %+v", tt.query, code, page)
		}
		for i, it := range page.Items {
			want := map[string]float64{"short chat": short, "long chat": long}[it.Title]
			if it.Title != tt.want[i] || it.CostUSD == nil || math.Abs(*it.CostUSD-want) > 1e-12 {
				t.Errorf("%s: item %d = %s $%v, want %s $%v", tt.query, i, it.Title, it.CostUSD, tt.want[i], want)
			}
		}
	}
	if code := ta.getJSON(t, "/api/conversations?sort=cost", &page); code == 200 {
		if it := page.Items[0]; it.PromptTokens != 3000 || it.CachedTokens != 1000 {
			t.Errorf("long chat tokens = %d prompt, %d cached; want 3000, 1000", it.PromptTokens, it.CachedTokens)
		}
	}

	var cu ConversationUsage
	if code := ta.getJSON(t, fmt.Sprintf("/api/conversations/%d/usage", page.Items[0].ID), &cu); code != 200 ||
		cu.Input != 3000 || cu.Cached != 1000 || cu.Output != 200 || math.Abs(cu.CostUSD-long) > 1e-12 {
		t.Errorf("conversation usage = %d %+v, want 3000 in (1000 cached), 200 out, $%v", code, cu, long)
	}
	var rep UsageReport
	if code := ta.getJSON(t, "/api/usage", &rep); code != 200 || len(rep.ByModel) != 1 {
		t.Fatalf("GET /api/usage = %d %+v", code, rep)
	}
	if m := rep.ByModel[0]; m.InputTokens != 4000 || m.CachedTokens != 1000 || math.Abs(m.CostUSD-(short+long)) > 1e-12 {
		t.Errorf("usage by model = %+v, want 4000 in (1000 cached), $%v", m, short+long)
	}
}

// TestPricesEditedWhileStopped: prices written into settings.json while llmtap is
// stopped reprice the stored costs when it starts again, before any list asks.
func TestPricesEditedWhileStopped(t *testing.T) {
	dir := t.TempDir()
	up := cachingOpenAI(t)
	cost := func(t *testing.T, ta *testApp) *float64 {
		t.Helper()
		var page ConversationPage
		if code := ta.getJSON(t, "/api/conversations", &page); code != 200 || len(page.Items) != 1 {
			t.Fatalf("GET /api/conversations = %d %+v", code, page)
		}
		return page.Items[0].CostUSD
	}
	// Each subtest's app shuts down when it ends.
	t.Run("priced_through_the_api", func(t *testing.T) {
		ta := startAppIn(t, dir, Config{Target: up.URL})
		ta.chat(t, false, "one chat")
		ta.wait(t, 1)
		if code, body := ta.do(t, "PUT", "/api/prices", `{"overrides":{"gpt-test":{"input":10,"output":20}}}`); code != 200 {
			t.Fatalf("PUT /api/prices = %d %s", code, body)
		}
		if c, want := cost(t, ta), (1000*10+100*20)/1e6; c == nil || math.Abs(*c-want) > 1e-12 {
			t.Fatalf("cost after PUT /api/prices = %v, want %v", c, want)
		}
	})
	s, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Prices["gpt-test"] = pricing.Price{Input: 1, Output: 2}
	if err := SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	t.Run("edited_while_stopped", func(t *testing.T) {
		ta := startAppIn(t, dir, Config{Target: up.URL})
		if c, want := cost(t, ta), (1000*1+100*2)/1e6; c == nil || math.Abs(*c-want) > 1e-12 {
			t.Errorf("cost after a restart with edited prices = %v, want %v", c, want)
		}
	})
}
