package gateway

import (
	"encoding/json"
	"net/http"
	"time"
)

// Status is the gateway's state for GET /api/providers.
type Status struct {
	// Path is the providers file; LoadError why its latest version was refused
	// ("" when the one in force is the latest).
	Path      string           `json:"path"`
	LoadError string           `json:"loadError,omitempty"`
	Strategy  Strategy         `json:"strategy"`
	Retries   int              `json:"retries"`
	Models    []string         `json:"models"`
	Providers []ProviderStatus `json:"providers"`
	CacheHits int64            `json:"cacheHits"`
}

// ProviderStatus is one provider: its keys, totals and recent latency.
type ProviderStatus struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	BaseURL  string   `json:"baseUrl"`
	Models   []string `json:"models"`
	Weight   int      `json:"weight"`
	Disabled bool     `json:"disabled"`
	// State is "healthy" (every key is), "degraded" (some are), "down" (none is)
	// or "disabled" (by the file).
	State    string      `json:"state"`
	InFlight int64       `json:"inFlight"`
	Counts   Counts      `json:"counts"`
	Latency  Percentiles `json:"latency"`
	Keys     []KeyStatus `json:"keys"`
}

// KeyStatus is one key, shown by its label (the ${ENV} reference or the last four
// characters), never its value.
type KeyStatus struct {
	Label string `json:"label"`
	// State is "healthy", "cooling" (until Until: rate limited, or paused after
	// failures in a row; Reason says which) or "disabled" (Reason says why).
	State    string      `json:"state"`
	Reason   string      `json:"reason,omitempty"`
	Until    *time.Time  `json:"until,omitempty"`
	InFlight int64       `json:"inFlight"`
	Counts   Counts      `json:"counts"`
	Latency  Percentiles `json:"latency"`
}

// Status returns the gateway's providers, keys and statistics now.
func (g *Gateway) Status() Status {
	t := g.tbl.Load()
	now := g.cfg.Now()
	cutoff := time.Now().Add(-Window)
	st := Status{Path: g.cfg.Path, LoadError: g.LoadError(), Strategy: t.file.Strategy, Retries: t.file.Retries,
		Models: t.modelNames(), Providers: []ProviderStatus{}, CacheHits: g.cacheHits.Load()}
	for _, p := range t.providers {
		ps := ProviderStatus{Name: p.name, Kind: p.kind, BaseURL: redactedURL(p.base), Models: p.models, Weight: p.wt,
			Disabled: p.disabled, InFlight: p.inflight.Load(), Counts: Counts{Errors: map[string]int64{}}}
		var all []sample
		healthy := 0
		for _, k := range p.keys {
			ks := KeyStatus{Label: k.label, State: "healthy", InFlight: k.inflight.Load(), Counts: k.stats.counts()}
			switch s := k.state(now); {
			case s.healthy:
				healthy++
			case s.cooling:
				until := s.until
				ks.State, ks.Reason, ks.Until = "cooling", s.reason, &until
			default:
				ks.State, ks.Reason = "disabled", s.reason
			}
			xs := k.stats.since(nil, cutoff)
			ks.Latency = summarize(xs)
			all = append(all, xs...)
			ps.Counts.add(ks.Counts)
			ps.Keys = append(ps.Keys, ks)
		}
		ps.Latency = summarize(all)
		switch {
		case p.disabled:
			ps.State = "disabled"
		case healthy == len(p.keys):
			ps.State = "healthy"
		case healthy == 0:
			ps.State = "down"
		default:
			ps.State = "degraded"
		}
		st.Providers = append(st.Providers, ps)
	}
	return st
}

// ServeStatus answers GET /api/providers with Status as JSON.
func (g *Gateway) ServeStatus(w http.ResponseWriter, _ *http.Request) {
	b, err := json.Marshal(g.Status())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
