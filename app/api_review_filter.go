package app

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// filterKeys are the list parameters of GET /api/conversations that select (as
// opposed to page): a bulk or export "filter" object takes exactly these.
var filterKeys = []string{"q", "status", "tag", "model", "host", "from", "to",
	"hasTools", "hasReasoning", "hasErrors", "score", "minScore", "thumbs", "sort", "order", "forward_key"}

// listOptions reads the list parameters of docs/api-review.md from a query string;
// paging adds limit and offset (default 50 from 0). Other parameters are left to the
// caller (an export's format). Every error names its parameter.
func listOptions(q url.Values, paging bool) (store.ListOptions, error) {
	opt := store.ListOptions{Limit: 50}
	if paging {
		if err := intParam(q.Get("limit"), 1, 500, &opt.Limit); err != nil {
			return opt, badRequest("limit: %v", err)
		}
		if err := intParam(q.Get("offset"), 0, 1<<31-1, &opt.Offset); err != nil {
			return opt, badRequest("offset: %v", err)
		}
	}
	opt.Query, opt.Model, opt.Host = q.Get("q"), q.Get("model"), q.Get("host")
	// The gateway's forward key id (issue 13); snake_case as the issue names it.
	opt.ForwardKey = q.Get("forward_key")
	opt.Status = dataset.Status(q.Get("status"))
	if opt.Status != "" && !opt.Status.Valid() {
		return opt, badRequest("status %q: must be unreviewed, confirmed or rejected", opt.Status)
	}
	for _, s := range q["tag"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return opt, badRequest("tag %q: must be a tag id", s)
		}
		opt.Tags = append(opt.Tags, id)
	}
	var err error
	if opt.From, err = timeParam("from", q.Get("from"), false); err != nil {
		return opt, err
	}
	if opt.To, err = timeParam("to", q.Get("to"), true); err != nil {
		return opt, err
	}
	for _, f := range []struct {
		key string
		dst **bool
	}{{"hasTools", &opt.HasToolCalls}, {"hasReasoning", &opt.HasReasoning}, {"hasErrors", &opt.HasErrors}} {
		switch v := q.Get(f.key); v {
		case "":
		case "1", "0":
			b := v == "1"
			*f.dst = &b
		default:
			return opt, badRequest("%s %q: must be 1 (require) or 0 (exclude)", f.key, v)
		}
	}
	for _, s := range q["score"] {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > store.MaxScore {
			return opt, badRequest("score %q: must be 1 to %d, or 0 for unrated", s, store.MaxScore)
		}
		opt.Scores = append(opt.Scores, n)
	}
	if s := q.Get("minScore"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > store.MaxScore {
			return opt, badRequest("minScore %q: must be 1 to %d (unrated left out), or 0 for any", s, store.MaxScore)
		}
		opt.MinScore = n
	}
	switch v := q.Get("thumbs"); v {
	case "":
	case "up":
		opt.Thumbs = 1
	case "down":
		opt.Thumbs = -1
	default:
		return opt, badRequest("thumbs %q: must be up or down", v)
	}
	switch s := store.Sort(q.Get("sort")); s {
	case "", store.SortUpdated, store.SortCreated, store.SortRounds, store.SortTokens, store.SortCost:
		opt.Sort = s
	default:
		return opt, badRequest("sort %q: must be updated, created, rounds, tokens or cost", s)
	}
	switch o := q.Get("order"); o {
	case "", "desc":
	case "asc":
		opt.Asc = true
	default:
		return opt, badRequest("order %q: must be desc or asc", o)
	}
	return opt, nil
}

// timeParam reads RFC 3339 or YYYY-MM-DD (a whole UTC day: its start for from, its
// last millisecond for to).
func timeParam(key, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, badRequest("%s %q: must be RFC 3339 or YYYY-MM-DD", key, s)
	}
	if end {
		t = t.AddDate(0, 0, 1).Add(-time.Millisecond)
	}
	return t, nil
}

// filterOptions reads a "filter" object (POST /api/bulk, /api/export): the list
// parameters as keys, values as strings, numbers or booleans, and "tag" also as an
// array. It never pages. Unknown keys are refused, so a typo cannot silently widen
// a bulk action.
func filterOptions(f map[string]any) (store.ListOptions, error) {
	q := url.Values{}
	for k, v := range f {
		if !slices.Contains(filterKeys, k) {
			return store.ListOptions{}, badRequest("filter.%s: unknown list parameter", k)
		}
		vals, ok := v.([]any)
		if !ok {
			vals = []any{v}
		}
		for _, v := range vals {
			s, err := filterValue(v)
			if err != nil {
				return store.ListOptions{}, badRequest("filter.%s: %v", k, err)
			}
			if s != "" {
				q.Add(k, s)
			}
		}
	}
	return listOptions(q, false)
}

// filterValue renders one JSON value of a filter object as its query form.
func filterValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("%v is not a string, number or boolean", v)
}
