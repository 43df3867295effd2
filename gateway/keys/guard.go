package keys

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Verdict is what Check decided about a request.
type Verdict struct {
	// Status is http.StatusOK for a request that may go on, else the status to answer
	// with: 401 (no key, unknown, disabled or expired), 403 (a model the key may not
	// use) or 429 (over a limit).
	Status int
	// RetryAfter is, for a 429, how long until the request would fit.
	RetryAfter time.Duration
	// Reason says why in words a person reads; "" when allowed.
	Reason string
	// Code is the machine-readable reason: missing_api_key, invalid_api_key,
	// key_expired, model_not_allowed, requests_per_minute, tokens_per_minute or
	// tokens_per_day; "" when allowed.
	Code string
	// KeyID names the forward key (ForwardKey.ID), never the key itself; "" when
	// the request carried none that is known, or when no forward keys exist.
	KeyID string
}

// OK reports whether the request may go on.
func (v Verdict) OK() bool { return v.Status == http.StatusOK }

// entry is a forward key and its counts.
type entry struct {
	key ForwardKey
	id  string
	*counts
}

// counts are a key's windows. A reload hands them to the key's new entry while
// requests may still hold the old one, so they carry their own lock.
type counts struct {
	mu                   sync.Mutex
	reqs, tokens, perDay *window
}

// Guard checks requests against a list of forward keys and counts what each uses.
// It is safe for concurrent use.
type Guard struct {
	now func() time.Time

	mu     sync.RWMutex
	secret map[string]*entry // by Key
	byID   map[string]*entry // by ID
}

// NewGuard returns a Guard over list, reading the time from now (nil → time.Now).
// An invalid list is refused (see Validate). An empty list lets every request
// through: forward keys are required only once one exists.
func NewGuard(list []ForwardKey, now func() time.Time) (*Guard, error) {
	if now == nil {
		now = time.Now
	}
	g := &Guard{now: now}
	if err := g.Replace(list); err != nil {
		return nil, err
	}
	return g, nil
}

// Replace puts list in force, as a configuration reload does. A key that stays
// (the same Key) keeps its counts, whatever else changed; an invalid list is
// refused and the one in force stays.
func (g *Guard) Replace(list []ForwardKey) error {
	if err := Validate(list); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	secret := make(map[string]*entry, len(list))
	byID := make(map[string]*entry, len(list))
	for _, k := range list {
		k.Models = append([]string(nil), k.Models...)
		e := &entry{key: k, id: k.ID()}
		if old := g.secret[k.Key]; old != nil {
			e.counts = old.counts
		} else {
			e.counts = &counts{reqs: newWindow(time.Minute), tokens: newWindow(time.Minute), perDay: newWindow(24 * time.Hour)}
		}
		secret[k.Key], byID[e.id] = e, e
	}
	g.secret, g.byID = secret, byID
	return nil
}

// Enabled reports whether any forward key exists, so that requests must carry one.
func (g *Guard) Enabled() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.secret) > 0
}

// Check decides whether r may ask for model ("" when the request names none, as
// GET /v1/models: any valid key may make it). The key is read from
// "Authorization: Bearer", x-api-key, api-key or x-goog-api-key, whichever is set.
// An allowed request counts toward its key's requests per minute; a refused one
// counts toward nothing, so a client retrying too early does not push its own
// window further away.
func (g *Guard) Check(r *http.Request, model string) Verdict {
	g.mu.RLock()
	if len(g.secret) == 0 {
		g.mu.RUnlock()
		return Verdict{Status: http.StatusOK}
	}
	sent := Sent(r)
	e := g.secret[sent]
	g.mu.RUnlock()
	switch {
	case sent == "":
		return Verdict{Status: http.StatusUnauthorized, Code: "missing_api_key",
			Reason: "this gateway requires a forward key (Authorization: Bearer lt-…)"}
	case e == nil || e.key.Disabled:
		return Verdict{Status: http.StatusUnauthorized, Code: "invalid_api_key", Reason: "unknown forward key"}
	}
	now := g.now()
	if !e.key.Expires.IsZero() && !now.Before(e.key.Expires) {
		return Verdict{Status: http.StatusUnauthorized, Code: "key_expired", KeyID: e.id,
			Reason: "forward key " + e.id + " expired at " + e.key.Expires.UTC().Format(time.RFC3339)}
	}
	if !e.key.allows(model) {
		return Verdict{Status: http.StatusForbidden, Code: "model_not_allowed", KeyID: e.id,
			Reason: fmt.Sprintf("forward key %s may not use model %q", e.id, model)}
	}
	return e.admit(now)
}

// admit counts a request against e's limits, or says which one it is over and for
// how long (the longest wait when several are).
func (e *entry) admit(now time.Time) Verdict {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := Verdict{Status: http.StatusOK, KeyID: e.id}
	for _, l := range []struct {
		w     *window
		limit int
		code  string
	}{{e.reqs, e.key.RPM, "requests_per_minute"}, {e.tokens, e.key.TPM, "tokens_per_minute"}, {e.perDay, e.key.TPD, "tokens_per_day"}} {
		if l.limit == 0 {
			continue
		}
		if d := l.w.wait(now, int64(l.limit)); d > v.RetryAfter {
			v.Status, v.RetryAfter, v.Code = http.StatusTooManyRequests, d, l.code
		}
	}
	if !v.OK() {
		v.Reason = fmt.Sprintf("forward key %s is over its %s limit; retry in %s",
			e.id, strings.ReplaceAll(v.Code, "_", " "), v.RetryAfter.Round(time.Second))
		return v
	}
	e.reqs.add(now, 1)
	return v
}

// Sent returns the key r carries, from "Authorization: Bearer", x-api-key, api-key
// or x-goog-api-key, in that order; "" when none.
func Sent(r *http.Request) string {
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	for _, h := range [...]string{"X-Api-Key", "Api-Key", "X-Goog-Api-Key"} {
		if v := r.Header.Get(h); v != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Record counts tokens the provider reported for a request made with key id (a
// Verdict's KeyID) toward its per-minute and per-day limits. An unknown id (""
// without forward keys, or a key removed since) is ignored.
func (g *Guard) Record(id string, tokens int) {
	if e := g.entry(id); e != nil && tokens > 0 {
		now := g.now()
		e.mu.Lock()
		e.tokens.add(now, int64(tokens))
		e.perDay.add(now, int64(tokens))
		e.mu.Unlock()
	}
}

// Reserve counts estimate tokens for a request still running (a stream), so that
// concurrent requests see them. The returned release, called once the provider
// reported usage, takes the estimate back and records actual in its place; it may
// be called once, and does nothing for an unknown id.
func (g *Guard) Reserve(id string, estimate int) (release func(actual int)) {
	e := g.entry(id)
	if e == nil {
		return func(int) {}
	}
	estimate = max(estimate, 0)
	now := g.now()
	e.mu.Lock()
	m, d := e.tokens.add(now, int64(estimate)), e.perDay.add(now, int64(estimate))
	e.mu.Unlock()
	var once sync.Once
	return func(actual int) {
		once.Do(func() {
			now := g.now()
			e.mu.Lock()
			e.tokens.undo(now, m, int64(estimate))
			e.perDay.undo(now, d, int64(estimate))
			if actual > 0 {
				e.tokens.add(now, int64(actual))
				e.perDay.add(now, int64(actual))
			}
			e.mu.Unlock()
		})
	}
}

func (g *Guard) entry(id string) *entry {
	if id == "" {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.byID[id]
}

// KeyUsage is one forward key as the UI lists it: what it may do and what it used
// over its windows, never the key itself.
type KeyUsage struct {
	ID       string    `json:"id"`
	Name     string    `json:"name,omitempty"`
	Models   []string  `json:"models"`
	RPM      int       `json:"rpm"`
	TPM      int       `json:"tpm"`
	TPD      int       `json:"tpd"`
	Expires  time.Time `json:"expires,omitzero"`
	Disabled bool      `json:"disabled,omitempty"`
	// RequestsMinute, TokensMinute and TokensDay are the counts of the sliding
	// windows the limits apply to, now.
	RequestsMinute int64 `json:"requestsMinute"`
	TokensMinute   int64 `json:"tokensMinute"`
	TokensDay      int64 `json:"tokensDay"`
}

// List returns every forward key and its usage now, sorted by ID.
func (g *Guard) List() []KeyUsage {
	now := g.now()
	g.mu.RLock()
	out := make([]KeyUsage, 0, len(g.byID))
	for _, e := range g.byID {
		k := e.key
		u := KeyUsage{ID: e.id, Name: k.Name, Models: append([]string{}, k.Models...), RPM: k.RPM, TPM: k.TPM, TPD: k.TPD,
			Expires: k.Expires, Disabled: k.Disabled}
		e.mu.Lock()
		e.reqs.advance(now)
		e.tokens.advance(now)
		e.perDay.advance(now)
		u.RequestsMinute, u.TokensMinute, u.TokensDay = e.reqs.sum, e.tokens.sum, e.perDay.sum
		e.mu.Unlock()
		out = append(out, u)
	}
	g.mu.RUnlock()
	slices.SortFunc(out, func(a, b KeyUsage) int { return strings.Compare(a.ID, b.ID) })
	return out
}
