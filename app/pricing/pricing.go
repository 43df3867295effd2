// Package pricing turns token counts into money: a table of prices per model (US
// dollars per million tokens), sensible defaults for the common APIs, and the rule
// that picks a model's row. It imports nothing of llmtap's.
package pricing

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"strings"
)

// Price is what a model costs, in US dollars per million tokens. CachedInput is
// the price of prompt tokens served from the provider's cache, CacheWrite that of
// prompt tokens written to it (Anthropic); 0 means Input for either.
type Price struct {
	Input       float64 `json:"input"`
	CachedInput float64 `json:"cachedInput,omitempty"`
	CacheWrite  float64 `json:"cacheWrite,omitempty"`
	Output      float64 `json:"output"`
}

// Tokens are what one answer (or a sum of them) used. CachedInput is the part of
// Input the provider served from its cache, counted apart because it costs less;
// CacheWrite the part it wrote to its cache, which costs more.
type Tokens struct {
	Input       int64 `json:"input"`
	CachedInput int64 `json:"cachedInput,omitempty"`
	CacheWrite  int64 `json:"cacheWrite,omitempty"`
	Output      int64 `json:"output"`
}

// Rates returns p's four rates with the defaults resolved: a cached or cache-write
// rate of 0 is the input rate.
func (p Price) Rates() (input, cached, cacheWrite, output float64) {
	return p.Input, cmp.Or(p.CachedInput, p.Input), cmp.Or(p.CacheWrite, p.Input), p.Output
}

// Cost is what t costs at p, in US dollars.
func (p Price) Cost(t Tokens) float64 {
	in, cached, write, out := p.Rates()
	fresh := t.Input - t.CachedInput - t.CacheWrite
	return (float64(fresh)*in + float64(t.CachedInput)*cached + float64(t.CacheWrite)*write + float64(t.Output)*out) / 1e6
}

// Table maps a model name, or a prefix ending in "*", to its price. A Table is not
// safe for concurrent writes; readers share one freely.
type Table map[string]Price

// defaults are list prices of December 2026 (the providers' pricing pages; Anthropic's
// cache writes are its 5-minute rate, 1.25 times input); a person
// can override any row in the settings. Local models have no row: they cost nothing.
var defaults = Table{
	"gpt-5*":             {Input: 1.25, CachedInput: 0.125, Output: 10},
	"gpt-5-mini*":        {Input: 0.25, CachedInput: 0.025, Output: 2},
	"gpt-5-nano*":        {Input: 0.05, CachedInput: 0.005, Output: 0.40},
	"gpt-4.1*":           {Input: 2, CachedInput: 0.50, Output: 8},
	"gpt-4.1-mini*":      {Input: 0.40, CachedInput: 0.10, Output: 1.60},
	"gpt-4.1-nano*":      {Input: 0.10, CachedInput: 0.025, Output: 0.40},
	"gpt-4o*":            {Input: 2.50, CachedInput: 1.25, Output: 10},
	"gpt-4o-mini*":       {Input: 0.15, CachedInput: 0.075, Output: 0.60},
	"o3*":                {Input: 2, CachedInput: 0.50, Output: 8},
	"o4-mini*":           {Input: 1.10, CachedInput: 0.275, Output: 4.40},
	"claude-opus-4*":     {Input: 15, CachedInput: 1.50, CacheWrite: 18.75, Output: 75},
	"claude-sonnet-4*":   {Input: 3, CachedInput: 0.30, CacheWrite: 3.75, Output: 15},
	"claude-3-7-sonnet*": {Input: 3, CachedInput: 0.30, CacheWrite: 3.75, Output: 15},
	"claude-haiku-4*":    {Input: 1, CachedInput: 0.10, CacheWrite: 1.25, Output: 5},
	"claude-3-5-haiku*":  {Input: 0.80, CachedInput: 0.08, CacheWrite: 1, Output: 4},
	"gemini-2.5-pro*":    {Input: 1.25, CachedInput: 0.31, Output: 10},
	"gemini-2.5-flash*":  {Input: 0.30, CachedInput: 0.075, Output: 2.50},
	"gemini-2.0-flash*":  {Input: 0.10, CachedInput: 0.025, Output: 0.40},
	"deepseek-chat":      {Input: 0.27, CachedInput: 0.07, Output: 1.10},
	"deepseek-reasoner":  {Input: 0.55, CachedInput: 0.14, Output: 2.19},
	"mistral-large*":     {Input: 2, Output: 6},
	"mistral-small*":     {Input: 0.10, Output: 0.30},
	"grok-4*":            {Input: 3, CachedInput: 0.75, Output: 15},
}

// Defaults returns the built-in table. The caller owns it.
func Defaults() Table { return maps.Clone(defaults) }

// With returns t with overrides on top: a row of overrides replaces t's row of the
// same key. Neither argument is changed.
func (t Table) With(overrides Table) Table {
	out := maps.Clone(t)
	if out == nil {
		out = Table{}
	}
	maps.Copy(out, overrides)
	return out
}

// Lookup returns the price of model and the key of the row that gave it: the row
// named exactly, else the longest matching prefix row ("gpt-4o-mini*" beats
// "gpt-4o*"), tried for the name and, for a router's "vendor/model", for the part
// after the slash. ok is false when no row matches (a local model).
func (t Table) Lookup(model string) (p Price, key string, ok bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	for _, name := range []string{m, m[strings.LastIndexByte(m, '/')+1:]} {
		if p, ok := t[name]; ok && name != "" {
			return p, name, true
		}
		best := ""
		for k := range t {
			if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(name, prefix) && len(k) > len(best) {
				best = k
			}
		}
		if best != "" {
			return t[best], best, true
		}
	}
	return Price{}, "", false
}

// Validate returns a message per bad row: a key that is empty or has "*" other than
// at its end, a negative or non-finite price. nil when all are good.
func (t Table) Validate() map[string]string {
	bad := map[string]string{}
	for k, p := range t {
		if k == "" || strings.Contains(strings.TrimSuffix(k, "*"), "*") || k != strings.ToLower(k) {
			bad[k] = fmt.Sprintf("model %q: want a lowercase model name, or a prefix ending in *", k)
			continue
		}
		for _, v := range []float64{p.Input, p.CachedInput, p.CacheWrite, p.Output} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				bad[k] = fmt.Sprintf("model %q: prices must be zero or more dollars per million tokens", k)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}
