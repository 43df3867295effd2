package app

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"github.com/llmtap/llmtap/app/autostart"
	"github.com/llmtap/llmtap/proxy"
)

// SettingsState is the answer of GET and PUT /api/settings.
type SettingsState struct {
	Settings Settings `json:"settings"`
	// RestartNeeded is set when saved settings differ from what this run uses
	// (addresses, routes, capture hosts, MITM): they apply at the next start.
	RestartNeeded bool   `json:"restartNeeded"`
	DataDir       string `json:"dataDir"`
	// StartAtLoginSupported is false where llmtap cannot register itself.
	StartAtLoginSupported bool `json:"startAtLoginSupported"`
}

func (a *App) apiSettings(r *http.Request) (any, error) {
	s, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return a.settingsState(r.Context(), s), nil
}

func (a *App) settingsState(ctx context.Context, s Settings) SettingsState {
	st := SettingsState{Settings: s, DataDir: a.cfg.DataDir}
	st.Settings.UIToken = "" // a credential: the window has no use for it, and a page that reads settings must not learn it
	if e, err := a.autostartEntry(); err == nil {
		st.StartAtLoginSupported = true
		st.Settings.StartAtLogin = e.Enabled(ctx) // the OS is the truth
	}
	// A changed target applies at once (apiPutSettings), so it never needs a restart.
	st.RestartNeeded = s.ProxyAddr != a.cfg.ProxyAddr && s.ProxyAddr != a.ProxyAddr() ||
		s.MITM != (a.mitm != nil) || !sameRoutes(s.Routes, a.cfg.Routes)
	return st
}

func sameRoutes(x, y map[string]string) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if y[k] != v {
			return false
		}
	}
	return true
}

func (a *App) apiPutSettings(r *http.Request) (any, error) {
	var s Settings
	if err := readJSON(r, &s); err != nil {
		return nil, err
	}
	if s.Routes == nil {
		s.Routes = map[string]string{}
	}
	// The window never sees the UI token (settingsState), so it cannot send it back:
	// keep the one saved. It is set by llmtap serve or by editing settings.json.
	old, err := LoadSettings(a.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.UIToken = old.UIToken
	if s.Prices == nil {
		s.Prices = old.Prices // edited on Overview (PUT /api/prices), not in this form
	}
	bad := s.Validate()
	// A new proxy address must be free now, or the next start would fail on it.
	if bad["proxyAddr"] == "" && s.ProxyAddr != a.ProxyAddr() && s.ProxyAddr != a.cfg.ProxyAddr {
		if ln, err := proxy.Listen(s.ProxyAddr); err != nil {
			if bad == nil {
				bad = map[string]string{}
			}
			bad["proxyAddr"] = err.Error()
		} else {
			ln.Close()
		}
	}
	if len(bad) > 0 {
		err := &SettingsError{Fields: bad}
		return nil, &apiError{status: http.StatusBadRequest, msg: err.Error(), fields: bad}
	}
	if err := SaveSettings(a.cfg.DataDir, s); err != nil {
		return nil, err
	}
	// What can change while running, changes now.
	if err := a.reprice(r.Context(), s); err != nil {
		return nil, err
	}
	if e, err := a.autostartEntry(); err == nil && e.Enabled(r.Context()) != s.StartAtLogin {
		if err := e.Set(r.Context(), s.StartAtLogin); err != nil {
			return nil, &apiError{status: http.StatusInternalServerError, msg: err.Error()}
		}
	}
	// A changed target applies at once; an unchanged one leaves this run's alone (a
	// --target flag, which wins over the saved settings).
	if s.Target != old.Target {
		if err := a.proxy.SetTarget(s.Target); err != nil {
			return nil, err // Validate checked it
		}
	}
	if err := a.proxy.SetProbes(s.ProbePaths); err != nil {
		return nil, err // Validate checked each pattern
	}
	if a.mitm != nil && a.SystemProxy().Enabled != s.SystemProxy {
		if err := a.SetSystemProxy(r.Context(), s.SystemProxy); err != nil {
			return nil, &apiError{status: http.StatusInternalServerError, msg: err.Error()}
		}
	}
	return a.settingsState(r.Context(), s), nil
}

// autostartEntry is how this OS starts llmtap at login; the desktop app is the one
// to start (the headless binary has no window to come back to).
func (a *App) autostartEntry() (autostart.Entry, error) {
	if a.cfg.Autostart != nil {
		return *a.cfg.Autostart, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return autostart.Entry{}, err
	}
	home, _ := os.UserHomeDir()
	cfgDir := os.Getenv("XDG_CONFIG_HOME")
	if cfgDir == "" {
		cfgDir = filepath.Join(home, ".config")
	}
	e, err := autostart.For(runtime.GOOS, exe, home, cfgDir)
	if err != nil {
		return e, errors.New("start at login is not supported here")
	}
	return e, nil
}
