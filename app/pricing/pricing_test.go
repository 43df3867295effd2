package pricing

import (
	"math"
	"testing"
)

func TestLookup(t *testing.T) {
	table := Defaults().With(Table{"my-finetune": {Input: 1, Output: 2}, "gpt-4o*": {Input: 9, Output: 9}})
	tests := []struct {
		model   string
		wantKey string
		wantOK  bool
	}{
		{"gpt-4o-mini-2024-07-18", "gpt-4o-mini*", true}, // longest prefix wins
		{"gpt-4o-2024-08-06", "gpt-4o*", true},
		{"GPT-4o", "gpt-4o*", true},
		{"openai/gpt-4o-mini", "gpt-4o-mini*", true}, // a router's vendor/model
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4*", true},
		{"deepseek-chat", "deepseek-chat", true},
		{"deepseek-chat-v9", "", false}, // an exact row is not a prefix
		{"my-finetune", "my-finetune", true},
		{"llama3.2:latest", "", false}, // local: free
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			_, key, ok := table.Lookup(tt.model)
			if key != tt.wantKey || ok != tt.wantOK {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.model, key, ok, tt.wantKey, tt.wantOK)
			}
		})
	}
	if p, _, _ := table.Lookup("gpt-4o"); p.Input != 9 {
		t.Errorf("an override did not replace the default row: %+v", p)
	}
	if p, _, _ := Defaults().Lookup("gpt-4o"); p.Input != 2.50 {
		t.Errorf("With changed the defaults: %+v", p)
	}
}

func TestCost(t *testing.T) {
	tests := []struct {
		name string
		p    Price
		t    Tokens
		want float64
	}{
		{"plain", Price{Input: 2.50, Output: 10}, Tokens{Input: 1_000_000, Output: 100_000}, 3.50},
		{"cached_apart", Price{Input: 3, CachedInput: 0.30, Output: 15}, Tokens{Input: 10_000, CachedInput: 8_000, Output: 1_000}, 0.006 + 0.0024 + 0.015},
		{"cached_without_price_is_input", Price{Input: 1, Output: 1}, Tokens{Input: 1_000_000, CachedInput: 1_000_000}, 1},
		{"cache_write_apart", Price{Input: 3, CachedInput: 0.30, CacheWrite: 3.75, Output: 15},
			Tokens{Input: 188_107, CacheWrite: 188_086, Output: 393}, (21*3 + 188_086*3.75 + 393*15) / 1e6},
		{"cache_write_without_price_is_input", Price{Input: 2, Output: 8}, Tokens{Input: 1000, CacheWrite: 600, CachedInput: 300}, 0.002},
		{"free", Price{}, Tokens{Input: 5, Output: 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Cost(tt.t); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Cost(%+v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		bad  string
	}{
		{"good", Table{"gpt-4o*": {Input: 1}, "x": {}}, ""},
		{"star_inside", Table{"gpt-*-mini": {}}, "gpt-*-mini"},
		{"uppercase", Table{"GPT": {}}, "GPT"},
		{"negative", Table{"m": {Output: -1}}, "m"},
		{"nan", Table{"m": {Input: math.NaN()}}, "m"},
		{"negative_cache_write", Table{"m": {CacheWrite: -1}}, "m"},
		{"empty_key", Table{"": {}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.t.Validate()
			if tt.name == "good" {
				if got != nil {
					t.Errorf("Validate = %v, want nil", got)
				}
				return
			}
			if _, ok := got[tt.bad]; !ok {
				t.Errorf("Validate = %v, want a message for %q", got, tt.bad)
			}
		})
	}
}
