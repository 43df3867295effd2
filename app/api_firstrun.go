package app

import (
	"net/http"

	"github.com/llmtap/llmtap/app/preset"
	"github.com/llmtap/llmtap/proxy"
)

// PresetView is one preset as GET /api/presets gives it: with the base URL and the
// client settings for this proxy's address.
type PresetView struct {
	preset.Preset
	BaseURL string           `json:"baseURL"`
	Clients []preset.Snippet `json:"clients"`
}

// Presets is the answer of GET /api/presets and PUT /api/target.
type Presets struct {
	Presets []PresetView `json:"presets"`
	// Target is the base URL origin-form requests go to now, "" when none.
	Target string `json:"target"`
	// Current is the preset whose target that is, "" when none is.
	Current string `json:"current,omitempty"`
	// Routes are the named routes of this run.
	Routes int `json:"routes"`
}

// Problems is the answer of GET /api/problems: requests the proxy could not route
// since it started, newest first (at most 32 kept, all counted).
type Problems struct {
	Items []proxy.Problem `json:"items"`
	Total int64           `json:"total"`
}

func (a *App) handleFirstRun(handle func(string, func(*http.Request) (any, error))) {
	handle("GET /api/presets", func(*http.Request) (any, error) { return a.presets(), nil })
	handle("PUT /api/target", a.apiSetTarget)
	handle("GET /api/problems", func(*http.Request) (any, error) {
		items, total := a.proxy.Problems()
		return Problems{Items: items, Total: total}, nil
	})
}

func (a *App) presets() Presets {
	root := "http://" + a.ProxyAddr()
	ps := Presets{Target: a.proxy.Target(), Routes: len(a.cfg.Routes)}
	if p, ok := preset.ForTarget(ps.Target); ok {
		ps.Current = p.ID
	}
	for _, p := range preset.All() {
		ps.Presets = append(ps.Presets, PresetView{Preset: p, BaseURL: preset.BaseURL(p, root), Clients: preset.Clients(p, root)})
	}
	return ps
}

// apiSetTarget sets the target ({"target": URL}, "" for none) now and in the saved
// settings, so the next start keeps it (a --target flag still wins there).
func (a *App) apiSetTarget(r *http.Request) (any, error) {
	var body struct {
		Target string `json:"target"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if err := a.SetTarget(body.Target); err != nil {
		return nil, err
	}
	return a.presets(), nil
}

// SetTarget points origin-form requests at target from now on and saves it in the
// settings; "" removes it. A bad URL is refused with the field named and nothing
// changes.
func (a *App) SetTarget(target string) error {
	s, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return err
	}
	if err := a.proxy.SetTarget(target); err != nil {
		return &apiError{status: http.StatusBadRequest, msg: err.Error(), fields: map[string]string{"target": err.Error()}}
	}
	s.Target = target
	if err := SaveSettings(a.cfg.DataDir, s); err != nil {
		return err
	}
	a.log.Info("target set", "target", target)
	return nil
}
