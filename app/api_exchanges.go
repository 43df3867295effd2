package app

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// ExchangePage is the answer of GET /api/exchanges.
type ExchangePage struct {
	Items []store.ExchangeSummary `json:"items"`
	Total int                     `json:"total"`
	// Partial is set when a text search read the bodies of only the newest
	// store.MaxBodySearch exchanges the other filters keep; Total counts those.
	Partial bool `json:"partial,omitempty"`
}

// ExchangeDetail is the answer of GET /api/exchanges/{id}: the exchange with its
// redacted headers and decoded bodies, exactly as captured.
type ExchangeDetail struct {
	store.Exchange
	ReqBody  Body `json:"reqBody"`
	RespBody Body `json:"respBody"`
	// ConversationID is the conversation a message of this exchange is in, 0 when
	// none (not a chat, or one that could not be parsed).
	ConversationID int64 `json:"conversationId,omitempty"`
	// Reply is a chat answer as the parser reassembled it from the response (a
	// stream's events joined), nil when there is none.
	Reply *Reply `json:"reply,omitempty"`
}

// Reply is the answer an exchange carried, reassembled.
type Reply struct {
	Answers      []dataset.Message `json:"answers"`
	FinishReason string            `json:"finishReason,omitempty"`
	Usage        dataset.Usage     `json:"usage"`
	// Incomplete is set when a stream ended without its terminal event.
	Incomplete bool `json:"incomplete,omitempty"`
	// CostUSD is what Usage cost at the price of the exchange's model, with PriceKey
	// the price table row used; both absent for a model without a price.
	CostUSD  *float64 `json:"costUsd,omitempty"`
	PriceKey string   `json:"priceKey,omitempty"`
}

// Body is a captured body as JSON can carry it: text when it is UTF-8, base64 otherwise.
type Body struct {
	Text     string `json:"text,omitempty"`
	Base64   string `json:"base64,omitempty"`
	Size     int    `json:"size"`
	IsBinary bool   `json:"isBinary,omitempty"`
}

func newBody(b []byte) Body {
	if utf8.Valid(b) {
		return Body{Text: string(b), Size: len(b)}
	}
	return Body{Base64: base64.StdEncoding.EncodeToString(b), Size: len(b), IsBinary: true}
}

func (a *App) apiExchanges(r *http.Request) (any, error) {
	q := r.URL.Query()
	opt := store.ExchangeListOptions{Limit: 50, Kind: store.ExchangeKind(q.Get("kind")), ExchangeFilter: store.ExchangeFilter{
		Host: q.Get("host"), Model: q.Get("model"), Dialect: q.Get("dialect"), Status: q.Get("status"), Text: q.Get("q"),
	}}
	var err error
	if opt.Since, err = timeParam("since", q.Get("since"), false); err != nil {
		return nil, err
	}
	if opt.Until, err = timeParam("until", q.Get("until"), true); err != nil {
		return nil, err
	}
	if err := intParam(q.Get("limit"), 1, 500, &opt.Limit); err != nil {
		return nil, badRequest("limit: %v", err)
	}
	if err := intParam(q.Get("offset"), 0, 1<<31-1, &opt.Offset); err != nil {
		return nil, badRequest("offset: %v", err)
	}
	switch opt.Kind {
	case store.ExchangesAll, store.ExchangesChat, store.ExchangesRerank, store.ExchangesOther, store.ExchangesErrors:
	default:
		return nil, badRequest("kind %q: must be chat, rerank, other or errors", opt.Kind)
	}
	// q looks in the bodies too unless bodies=0.
	if q.Get("bodies") == "0" {
		items, total, err := a.db.ListExchanges(r.Context(), opt)
		if err != nil {
			return nil, err
		}
		return ExchangePage{Items: items, Total: total}, nil
	}
	items, total, partial, err := a.db.SearchExchanges(r.Context(), opt)
	if err != nil {
		return nil, err
	}
	return ExchangePage{Items: items, Total: total, Partial: partial}, nil
}

func (a *App) apiExchange(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	e, err := a.db.Exchange(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := ExchangeDetail{Exchange: *e, ReqBody: newBody(e.ReqBody), RespBody: newBody(e.RespBody)}
	if e.Dialect.Chat() {
		o := outcome{aborted: e.Aborted, truncated: e.Truncated, err: e.Err, status: e.Status}
		if round, _ := decideRound(e.Dialect, e.Path, e.ReqHeader, e.ReqBody, e.RespBody, o, nil); round != nil && len(round.Answers) > 0 {
			d.Reply = &Reply{Answers: round.Answers, FinishReason: round.FinishReason, Usage: round.Usage, Incomplete: round.Incomplete}
			if err := a.priceReply(d.Reply, cmp.Or(e.Model, round.Model)); err != nil {
				return nil, err
			}
		}
		switch conv, err := a.db.ExchangeConversation(r.Context(), id); {
		case err == nil:
			d.ConversationID = conv
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	return d, nil
}

// priceReply sets r's cost at model's price, when the table has one.
func (a *App) priceReply(r *Reply, model string) error {
	table, err := a.prices()
	if err != nil {
		return err
	}
	if p, key, ok := table.Lookup(model); ok {
		c := p.Cost(tokensOf(r.Usage))
		r.CostUSD, r.PriceKey = &c, key
	}
	return nil
}

func (a *App) apiExchangeFacets(r *http.Request) (any, error) {
	return a.db.ExchangeFacets(r.Context())
}
