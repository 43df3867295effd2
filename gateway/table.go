package gateway

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// table is one loaded providers file: the providers with their keys, and how model
// names map onto them. It is immutable once built; key and provider state inside
// it is safe for concurrent use and carries over to the next table on reload.
type table struct {
	file      *File
	providers []*provider
	byName    map[string]*provider
	exact     map[string][]*provider
	globbed   []*provider // providers with at least one glob
	rr        sync.Map    // model name → *atomic.Uint64, for round-robin over providers
}

// provider is one providers: entry at run time.
type provider struct {
	name, kind string
	base       *url.URL
	keys       []*key
	models     []string
	wt         int
	disabled   bool
	keyRR      atomic.Uint64
	inflight   atomic.Int64
	avg        ewma
}

func (p *provider) weight() int          { return p.wt }
func (p *provider) busy() int64          { return p.inflight.Load() }
func (p *provider) ttft() float64        { return p.avg.value() }
func (k *key) weight() int               { return 1 }
func (k *key) busy() int64               { return k.inflight.Load() }
func (k *key) ttft() float64             { return k.avg.value() }
func (p *provider) serves(m string) bool { return matchAny(p.models, m) }

// key is one key of a provider, with its health. Its secret never leaves the
// gateway except in the header of a request to its own provider.
type key struct {
	prov     *provider
	index    int    // 1-based, in file order
	label    string // safe to show: the ${ENV} reference, or a masked value
	secret   string
	inflight atomic.Int64
	avg      ewma
	stats    stats

	mu         sync.Mutex
	disabled   string    // why the key is off for good (until the file changes), or ""
	coolUntil  time.Time // rate limited until then
	coolReason string
	coolRate   bool // the cooldown is a rate limit (429), not a run of failures
	backoff    int  // consecutive 429s without Retry-After
	failures   int  // consecutive 5xx, connection errors and timeouts
}

// Passive health: after failRun failures in a row (5xx, connection errors,
// timeouts) a key sits out failPause, so that a provider that is down does not
// cost every request a failed first attempt; then it gets another chance.
const (
	failRun   = 3
	failPause = 10 * time.Second
)

// keyState is a key's health at one instant.
type keyState struct {
	healthy bool
	reason  string    // why not
	cooling bool      // out until until (a rate limit, or a run of failures)
	rate    bool      // cooling because of a rate limit
	until   time.Time // end of the cooldown, when cooling
}

func (k *key) state(now time.Time) keyState {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.disabled != "":
		return keyState{reason: k.disabled}
	case now.Before(k.coolUntil):
		return keyState{reason: k.coolReason, cooling: true, rate: k.coolRate, until: k.coolUntil}
	}
	return keyState{healthy: true}
}

func (k *key) disable(reason string) {
	k.mu.Lock()
	k.disabled = reason
	k.mu.Unlock()
}

// coolDown takes the key out until now+d; d <= 0 means an exponential back-off
// with jitter (1 s, 2 s, 4 s … up to 5 min).
func (k *key) coolDown(now time.Time, d time.Duration, reason string, jitter func(time.Duration) time.Duration) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if d <= 0 {
		d = min(time.Second<<min(k.backoff, 9), 5*time.Minute)
		d += jitter(d / 2)
		k.backoff++
	} else {
		k.backoff = 0
	}
	k.coolUntil, k.coolReason, k.coolRate = now.Add(d), reason, true
	return k.coolUntil
}

// failed counts a 5xx, connection error or timeout; the failRun-th in a row
// takes the key out for failPause.
func (k *key) failed(now time.Time, why string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failures++
	if k.failures >= failRun {
		k.failures = 0
		k.coolUntil, k.coolRate = now.Add(failPause), false
		k.coolReason = fmt.Sprintf("%d failures in a row, the last %s", failRun, why)
	}
}

// succeeded resets the back-off and the failure run after an answer.
func (k *key) succeeded() {
	k.mu.Lock()
	k.backoff, k.failures = 0, 0
	k.mu.Unlock()
}

// keyLabel is how a key is shown: its ${ENV} reference, or the last 4 characters.
func keyLabel(ks KeySpec, i int) string {
	if strings.Contains(ks.Ref, "${") || strings.HasPrefix(ks.Ref, "$") {
		return ks.Ref
	}
	if len(ks.Value) > 12 {
		return "…" + ks.Value[len(ks.Value)-4:]
	}
	return fmt.Sprintf("key %d", i)
}

// newTable builds a table from f, carrying over the state of keys that are still
// there (same provider name and secret) from old, which may be nil.
func newTable(f *File, old *table) (*table, error) {
	t := &table{file: f, byName: map[string]*provider{}, exact: map[string][]*provider{}}
	for _, ps := range f.Providers {
		u, err := url.Parse(ps.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("provider %s: base_url: %w", ps.Name, err)
		}
		p := &provider{name: ps.Name, kind: ps.Kind, base: providerBase(ps.Kind, u), models: ps.Models,
			wt: ps.Weight, disabled: ps.Disabled}
		var was *provider
		if old != nil {
			was = old.byName[ps.Name]
		}
		keys := ps.Keys
		if len(keys) == 0 {
			keys = []KeySpec{{}} // a keyless provider (a local Ollama) still needs one slot
		}
		for i, ks := range keys {
			k := carried(was, ks.Value)
			if k == nil {
				k = &key{secret: ks.Value}
				if len(ks.Missing) > 0 {
					k.disabled = "environment variable " + strings.Join(ks.Missing, ", ") + " is not set"
				}
			}
			k.prov, k.index, k.label = p, i+1, keyLabel(ks, i+1)
			p.keys = append(p.keys, k)
		}
		t.providers = append(t.providers, p)
		t.byName[p.name] = p
		if p.disabled {
			continue
		}
		globbed := false
		for _, m := range ps.Models {
			if isGlob(m) {
				globbed = true
				continue
			}
			if !slices.Contains(t.exact[m], p) {
				t.exact[m] = append(t.exact[m], p)
			}
		}
		if globbed {
			t.globbed = append(t.globbed, p)
		}
	}
	return t, nil
}

// carried returns the key of was with the same secret, so that a reload keeps its
// health and statistics; nil when there is none.
func carried(was *provider, secret string) *key {
	if was == nil {
		return nil
	}
	for _, k := range was.keys {
		if k.secret == secret {
			// A key disabled because its variable was unset gets another chance.
			if strings.HasPrefix(k.disabled, "environment variable") {
				k.disable("")
			}
			return k
		}
	}
	return nil
}

// route is one way to serve a request: a provider, and the model name it is sent.
type route struct {
	prov  *provider
	model string
}

// tier is the routes of one model name, all equally good.
type tier struct {
	name   string // the model name the tier stands for
	routes []route
	rr     *atomic.Uint64
}

// servers returns the routes for the model name m: exact matches first, then globs.
func (t *table) servers(m string) []route {
	var rs []route
	for _, p := range t.exact[m] {
		rs = append(rs, route{p, m})
	}
	for _, p := range t.globbed {
		if !slices.Contains(t.exact[m], p) && p.serves(m) {
			rs = append(rs, route{p, m})
		}
	}
	return rs
}

// resolve returns the tiers that can serve model: the model itself (or what its
// alias uses), then each fallback in order. Empty means nobody serves it.
func (t *table) resolve(model string) []tier {
	var tiers []tier
	add := func(name string) {
		rs := t.servers(name)
		if spec, ok := t.file.Models[name]; ok && len(spec.Use) > 0 {
			rs = nil
			for _, u := range spec.Use {
				rs = append(rs, t.servers(u)...)
			}
		}
		if len(rs) > 0 {
			tiers = append(tiers, tier{name: name, routes: rs, rr: t.counter(name)})
		}
	}
	add(model)
	for _, fb := range t.file.Models[model].Fallbacks {
		add(fb)
	}
	return tiers
}

func (t *table) counter(name string) *atomic.Uint64 {
	if c, ok := t.rr.Load(name); ok {
		return c.(*atomic.Uint64)
	}
	c, _ := t.rr.LoadOrStore(name, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

// modelNames lists every model a client may ask for: each exact model of each
// enabled provider, and each alias, sorted. Globs are not listed.
func (t *table) modelNames() []string {
	var names []string
	for m := range t.exact {
		names = append(names, m)
	}
	for m, spec := range t.file.Models {
		if len(spec.Use) > 0 && !slices.Contains(names, m) && len(t.resolve(m)) > 0 {
			names = append(names, m)
		}
	}
	slices.Sort(names)
	return names
}

// owner is the provider that owns a listed model (the alias owner is "llmtap").
func (t *table) owner(m string) string {
	if ps := t.exact[m]; len(ps) > 0 {
		return ps[0].name
	}
	return "llmtap"
}
