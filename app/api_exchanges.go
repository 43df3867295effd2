package app

import (
	"encoding/base64"
	"net/http"
	"unicode/utf8"

	"github.com/llmtap/llmtap/store"
)

// ExchangePage is the answer of GET /api/exchanges.
type ExchangePage struct {
	Items []store.ExchangeSummary `json:"items"`
	Total int                     `json:"total"`
}

// ExchangeDetail is the answer of GET /api/exchanges/{id}: the exchange with its
// redacted headers and decoded bodies.
type ExchangeDetail struct {
	store.Exchange
	ReqBody  Body `json:"reqBody"`
	RespBody Body `json:"respBody"`
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
	opt := store.ExchangeListOptions{Limit: 50, Kind: store.ExchangeKind(q.Get("kind"))}
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
	items, total, err := a.db.ListExchanges(r.Context(), opt)
	if err != nil {
		return nil, err
	}
	return ExchangePage{Items: items, Total: total}, nil
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
	return ExchangeDetail{Exchange: *e, ReqBody: newBody(e.ReqBody), RespBody: newBody(e.RespBody)}, nil
}
