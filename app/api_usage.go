package app

import (
	"context"
	"net/http"
	"time"

	"github.com/llmtap/llmtap/app/pricing"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// UsageCost is a usage row with what it cost at the price table's rate.
type UsageCost struct {
	store.UsageRow
	// CostUSD is 0 for a model without a price (Priced false): a local model, or one
	// the table does not know yet.
	CostUSD float64 `json:"costUsd"`
	Priced  bool    `json:"priced"`
	// PriceKey is the price table row used ("gpt-4o*"); per day, rows of several models.
	PriceKey string `json:"priceKey,omitempty"`
}

// UsageReport is the answer of GET /api/usage: tokens, cost, requests and latency
// per day, per model, and per day and model, over the last Days days.
type UsageReport struct {
	Since      time.Time   `json:"since"`
	Days       int         `json:"days"`
	ByDay      []UsageCost `json:"byDay"`
	ByModel    []UsageCost `json:"byModel"`
	ByDayModel []UsageCost `json:"byDayModel"`
}

// Prices is the answer of GET and PUT /api/prices.
type Prices struct {
	Defaults  pricing.Table `json:"defaults"`
	Overrides pricing.Table `json:"overrides"`
}

// AnswerCost is one answer's tokens and cost in GET /api/conversations/{id}/usage.
type AnswerCost struct {
	MessageID int64 `json:"messageId"`
	Input     int64 `json:"input"`
	// Cached and CacheWrite are the parts of Input read from and written to the
	// provider's prompt cache.
	Cached     int64   `json:"cached"`
	CacheWrite int64   `json:"cacheWrite"`
	Output     int64   `json:"output"`
	CostUSD    float64 `json:"costUsd"`
}

// ConversationUsage is the answer of GET /api/conversations/{id}/usage: the tokens
// and cost of each answer on the chosen path, and their sum.
type ConversationUsage struct {
	Model      string       `json:"model"`
	Priced     bool         `json:"priced"`
	Answers    []AnswerCost `json:"answers"`
	Input      int64        `json:"input"`
	Cached     int64        `json:"cached"`
	CacheWrite int64        `json:"cacheWrite"`
	Output     int64        `json:"output"`
	CostUSD    float64      `json:"costUsd"`
}

func (a *App) handleUsage(handle func(string, func(*http.Request) (any, error))) {
	handle("GET /api/usage", a.apiUsage)
	handle("GET /api/prices", a.apiPrices)
	handle("PUT /api/prices", a.apiPutPrices)
	handle("GET /api/conversations/{id}/usage", a.apiConversationUsage)
}

// prices is the table in use: the defaults with the saved overrides on top.
func (a *App) prices() (pricing.Table, error) {
	s, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return pricing.Defaults().With(s.Prices), nil
}

func (a *App) apiUsage(r *http.Request) (any, error) {
	days := 30
	if err := intParam(r.URL.Query().Get("days"), 1, 366, &days); err != nil {
		return nil, badRequest("days: %v", err)
	}
	table, err := a.prices()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	since := time.Date(now.Year(), now.Month(), now.Day()-days+1, 0, 0, 0, 0, time.Local)
	u, err := a.db.Usage(r.Context(), since, time.Local)
	if err != nil {
		return nil, err
	}
	rep := UsageReport{Since: since, Days: days, ByModel: costs(u.ByModel, table), ByDayModel: costs(u.ByDayModel, table)}
	// A day's cost is the sum of its models' costs, each at its own price.
	perDay := map[string]float64{}
	for _, c := range rep.ByDayModel {
		perDay[c.Day] += c.CostUSD
	}
	for _, row := range u.ByDay {
		rep.ByDay = append(rep.ByDay, UsageCost{UsageRow: row, CostUSD: perDay[row.Day], Priced: perDay[row.Day] > 0})
	}
	if rep.ByDay == nil {
		rep.ByDay = []UsageCost{}
	}
	return rep, nil
}

func costs(rows []store.UsageRow, table pricing.Table) []UsageCost {
	out := make([]UsageCost, 0, len(rows))
	for _, row := range rows {
		c := UsageCost{UsageRow: row}
		if p, key, ok := table.Lookup(row.Model); ok {
			c.Priced, c.PriceKey = true, key
			c.CostUSD = p.Cost(pricing.Tokens{Input: row.InputTokens, CachedInput: row.CachedTokens,
				CacheWrite: row.CacheWriteTokens, Output: row.OutputTokens})
		}
		out = append(out, c)
	}
	return out
}

func (a *App) apiPrices(*http.Request) (any, error) {
	s, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return Prices{Defaults: pricing.Defaults(), Overrides: orTable(s.Prices)}, nil
}

// apiPutPrices replaces the overrides with the body's {"overrides": {model: price}}.
func (a *App) apiPutPrices(r *http.Request) (any, error) {
	var body struct {
		Overrides pricing.Table `json:"overrides"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if bad := body.Overrides.Validate(); bad != nil {
		return nil, &apiError{status: http.StatusBadRequest, msg: "some prices are not valid", fields: bad}
	}
	s, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.Prices = body.Overrides
	if err := SaveSettings(a.cfg.DataDir, s); err != nil {
		return nil, err
	}
	if err := a.reprice(r.Context(), s); err != nil {
		return nil, err
	}
	return Prices{Defaults: pricing.Defaults(), Overrides: orTable(s.Prices)}, nil
}

func orTable(t pricing.Table) pricing.Table {
	if t == nil {
		return pricing.Table{}
	}
	return t
}

func (a *App) apiConversationUsage(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	d, err := a.db.Conversation(r.Context(), id)
	if err != nil {
		return nil, err
	}
	table, err := a.prices()
	if err != nil {
		return nil, err
	}
	p, _, priced := table.Lookup(d.Model)
	cu := ConversationUsage{Model: d.Model, Priced: priced, Answers: []AnswerCost{}}
	for _, m := range d.Messages {
		if m.Role != dataset.RoleAssistant || m.Usage == nil || m.Usage.TotalTokens == 0 {
			continue
		}
		ac := AnswerCost{MessageID: m.ID, Input: int64(m.Usage.PromptTokens), Cached: int64(m.Usage.CachedTokens),
			CacheWrite: int64(m.Usage.CacheWriteTokens), Output: int64(m.Usage.CompletionTokens)}
		ac.CostUSD = p.Cost(tokensOf(*m.Usage))
		cu.Answers = append(cu.Answers, ac)
		cu.Input, cu.Cached, cu.CacheWrite = cu.Input+ac.Input, cu.Cached+ac.Cached, cu.CacheWrite+ac.CacheWrite
		cu.Output, cu.CostUSD = cu.Output+ac.Output, cu.CostUSD+ac.CostUSD
	}
	return cu, nil
}

// tokensOf is the priced view of a usage.
func tokensOf(u dataset.Usage) pricing.Tokens {
	return pricing.Tokens{Input: int64(u.PromptTokens), CachedInput: int64(u.CachedTokens),
		CacheWrite: int64(u.CacheWriteTokens), Output: int64(u.CompletionTokens)}
}

// reprice makes the prices of s (the defaults with its overrides on top) those of
// the stored costs the conversation list shows and sorts by (store.DB.SetRates):
// at Open, and wherever prices are saved. A list request never writes.
func (a *App) reprice(ctx context.Context, s Settings) error {
	n, err := a.db.SetRates(ctx, rates(pricing.Defaults().With(s.Prices)))
	if n > 0 {
		a.log.Info("conversation costs repriced", "models", n)
	}
	return err
}

// rates is the price table as the store prices a conversation by.
func rates(table pricing.Table) store.Rates {
	return func(model string) (store.Rate, bool) {
		p, _, ok := table.Lookup(model)
		in, cached, write, out := p.Rates()
		return store.Rate{Input: in, Cached: cached, CacheWrite: write, Output: out}, ok
	}
}
