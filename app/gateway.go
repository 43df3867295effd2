package app

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path/filepath"

	"github.com/llmtap/llmtap/gateway"
)

// ProvidersFile is the gateway's configuration in a data folder (issue 13).
const ProvidersFile = "providers.yaml"

// openGateway builds the model gateway from Config.Providers, or from
// providers.yaml in the data folder. A file named by --providers must load; the
// data folder's may be missing (it is picked up once it appears) or bad (logged,
// shown in GET /api/providers, and the gateway starts empty).
func openGateway(cfg Config) (*gateway.Gateway, error) {
	path := cfg.Providers
	explicit := path != ""
	if !explicit {
		path = filepath.Join(cfg.DataDir, ProvidersFile)
	}
	g := gateway.New(gateway.Config{Path: path, Log: cfg.Log})
	err := g.Reload()
	switch {
	case err == nil:
		cfg.Log.Info("gateway providers loaded", "path", path, "models", len(g.Models()))
	case explicit:
		return nil, fmt.Errorf("--providers: %w", err)
	case errors.Is(err, fs.ErrNotExist):
	default:
		cfg.Log.Error("providers file refused; no providers until it is fixed", "err", err)
	}
	return g, nil
}

// watchGateway reloads the providers file when it changes, until Shutdown.
func (a *App) watchGateway() {
	if _, err := a.startBackground(math.MaxInt64, a.gateway.Watch); err != nil {
		a.log.Warn("providers file not watched", "err", err)
	}
}

// Gateway returns the model gateway (never nil; empty without providers).
func (a *App) Gateway() *gateway.Gateway { return a.gateway }

// handleGateway adds GET /api/providers and GET /metrics (Prometheus text) to mux.
func (a *App) handleGateway(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/providers", a.gateway.ServeStatus)
	mux.HandleFunc("GET /metrics", a.gateway.ServeMetrics)
}
