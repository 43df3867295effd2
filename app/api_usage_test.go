package app

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestUsageAPI sends two chats (5 prompt and 2 completion tokens each, as the fake
// upstream reports) and reads their tokens, cost and requests back per day and
// model, at the default price (none: gpt-test is unknown) and at an edited one.
func TestUsageAPI(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.chat(t, false, "first")
	ta.chat(t, false, "second")
	ta.wait(t, 2)

	var rep UsageReport
	if code := ta.getJSON(t, "/api/usage?days=7", &rep); code != 200 || len(rep.ByModel) != 1 || len(rep.ByDay) != 1 {
		t.Fatalf("GET /api/usage = %d %+v", code, rep)
	}
	if m := rep.ByModel[0]; m.Model != "gpt-test" || m.Requests != 2 || m.InputTokens != 10 || m.OutputTokens != 4 || m.Priced || m.CostUSD != 0 {
		t.Errorf("by model = %+v, want gpt-test: 2 requests, 10 + 4 tokens, unpriced", m)
	}

	tests := []struct {
		name, body string
		wantCode   int
		wantIn     string
	}{
		{"negative", `{"overrides":{"gpt-test":{"input":-1,"output":2}}}`, 400, "zero or more"},
		{"prefix_row", `{"overrides":{"gpt-*":{"input":1}}}`, 200, ""},
		{"set", `{"overrides":{"gpt-test":{"input":1000,"output":2000}}}`, 200, `"gpt-test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ta.do(t, "PUT", "/api/prices", tt.body)
			if code != tt.wantCode || !strings.Contains(body, tt.wantIn) {
				t.Errorf("PUT /api/prices %s = %d %s, want %d containing %s", tt.body, code, body, tt.wantCode, tt.wantIn)
			}
		})
	}
	// A settings save from the form (which sends no prices) keeps them.
	s, _ := LoadSettings(ta.cfg.DataDir)
	s.Prices = nil
	b, _ := json.Marshal(s)
	if code, body := ta.do(t, "PUT", "/api/settings", string(b)); code != 200 {
		t.Fatalf("PUT /api/settings = %d %s", code, body)
	}

	ta.getJSON(t, "/api/usage", &rep)
	// (10 × $1000 + 4 × $2000) per million tokens.
	const want = 0.018
	if m := rep.ByModel[0]; !m.Priced || m.PriceKey != "gpt-test" || math.Abs(m.CostUSD-want) > 1e-9 {
		t.Errorf("by model after the edit = %+v, want priced by gpt-test at $%v", m, want)
	}
	if d := rep.ByDay[0]; math.Abs(d.CostUSD-want) > 1e-9 || d.Requests != 2 {
		t.Errorf("by day = %+v, want $%v over 2 requests", d, want)
	}
	var cu ConversationUsage
	if code := ta.getJSON(t, "/api/conversations/1/usage", &cu); code != 200 || len(cu.Answers) != 1 || cu.Input != 5 || cu.Output != 2 ||
		math.Abs(cu.CostUSD-0.009) > 1e-9 {
		t.Errorf("GET /api/conversations/1/usage = %d %+v, want one answer, 5 + 2 tokens, $0.009", code, cu)
	}
	var d ExchangeDetail
	if ta.getJSON(t, "/api/exchanges/1", &d); d.Reply == nil || d.Reply.CostUSD == nil || math.Abs(*d.Reply.CostUSD-0.009) > 1e-9 {
		t.Errorf("GET /api/exchanges/1 reply = %+v, want it priced at $0.009", d.Reply)
	}
	if code := ta.getJSON(t, "/api/usage?days=0", nil); code != 400 {
		t.Errorf("GET /api/usage?days=0 = %d, want 400", code)
	}
}
