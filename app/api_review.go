package app

import (
	"net/http"
	"time"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// handleReview registers the listing and curation half of docs/api-review.md.
func (a *App) handleReview(handle func(string, func(*http.Request) (any, error))) {
	handle("GET /api/conversations", a.apiConversations)
	handle("PUT /api/conversations/{id}/status", a.apiSetStatus)
	handle("PUT /api/conversations/{id}/note", a.apiSetNote)
	handle("PUT /api/conversations/{id}/tags", a.apiChangeTags)
	handle("GET /api/facets", a.apiFacets)
	handle("GET /api/tags", a.apiTags)
	handle("POST /api/tags", a.apiCreateTag)
	handle("PUT /api/tags/{id}", a.apiUpdateTag)
	handle("DELETE /api/tags/{id}", a.apiDeleteTag)
	handle("POST /api/bulk", a.apiBulk)
	handle("GET /api/stats", a.apiStats)
}

// ConversationPage is the answer of GET /api/conversations.
type ConversationPage struct {
	Items []store.Summary `json:"items"`
	Total int             `json:"total"`
}

func (a *App) apiConversations(r *http.Request) (any, error) {
	q := r.URL.Query()
	opt, err := listOptions(q, true)
	if err != nil {
		return nil, err
	}
	// Costs are stored at the prices in use (a.reprice): the list only reads.
	items, total, err := a.db.ListConversations(r.Context(), opt)
	if err != nil {
		return nil, err
	}
	return ConversationPage{Items: items, Total: total}, nil
}

func (a *App) apiSetStatus(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Status dataset.Status `json:"status"`
		Reason string         `json:"reason"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return nil, a.db.SetStatusReason(r.Context(), id, body.Status, body.Reason)
}

func (a *App) apiSetNote(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Note *string `json:"note"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Note == nil {
		return nil, badRequest(`note: missing; body must be {"note": "…"} ("" removes it)`)
	}
	return nil, a.db.SetNote(r.Context(), id, *body.Note)
}

func (a *App) apiChangeTags(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Add    []int64 `json:"add"`
		Remove []int64 `json:"remove"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return nil, a.db.ChangeTags(r.Context(), id, body.Add, body.Remove)
}

func (a *App) apiFacets(r *http.Request) (any, error) { return a.db.Facets(r.Context()) }

func (a *App) apiTags(r *http.Request) (any, error) { return a.db.AllTags(r.Context()) }

func (a *App) apiCreateTag(r *http.Request) (any, error) {
	var body struct {
		Name  string `json:"name"`
		Color string `json:"color"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return a.db.CreateTag(r.Context(), body.Name, body.Color)
}

func (a *App) apiUpdateTag(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var body struct {
		Name  *string `json:"name"`
		Color *string `json:"color"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	return a.db.UpdateTag(r.Context(), id, body.Name, body.Color)
}

func (a *App) apiDeleteTag(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return nil, a.db.DeleteTag(r.Context(), id)
}

// BulkResult is the answer of POST /api/bulk.
type BulkResult struct {
	Affected int `json:"affected"`
}

func (a *App) apiBulk(r *http.Request) (any, error) {
	var body struct {
		IDs    []int64        `json:"ids"`
		Filter map[string]any `json:"filter"`
		Action string         `json:"action"`
		Status dataset.Status `json:"status"`
		Reason string         `json:"reason"`
		TagID  int64          `json:"tagId"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	opt := store.BulkOptions{IDs: body.IDs, Action: store.BulkAction(body.Action), Status: body.Status,
		Reason: body.Reason, TagID: body.TagID}
	if body.Filter != nil {
		f, err := filterOptions(body.Filter)
		if err != nil {
			return nil, err
		}
		opt.Filter = &f
	}
	if (opt.Action == store.BulkTag || opt.Action == store.BulkUntag) && opt.TagID <= 0 {
		return nil, badRequest("tagId: must be a positive integer for %s", opt.Action)
	}
	n, err := a.db.Bulk(r.Context(), opt)
	if err != nil {
		return nil, err
	}
	return BulkResult{Affected: n}, nil
}

func (a *App) apiStats(r *http.Request) (any, error) { return a.db.Stats(r.Context(), time.Now()) }
