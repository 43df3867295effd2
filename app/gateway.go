package app

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path/filepath"

	"github.com/llmtap/llmtap/app/access"
	"github.com/llmtap/llmtap/app/providerfile"
	"github.com/llmtap/llmtap/gateway"
	"github.com/llmtap/llmtap/gateway/translate"
	"github.com/llmtap/llmtap/store"
)

// ProvidersFile is the gateway's configuration in a data folder (issue 13).
const ProvidersFile = "providers.yaml"

// openGateway builds the model gateway from Config.Providers, or from
// providers.yaml in the data folder. A file named by --providers must load; the
// data folder's may be missing (it is picked up once it appears) or bad (logged,
// shown in GET /api/providers, and the gateway starts empty).
func openGateway(cfg Config, db *store.DB) (*gateway.Gateway, error) {
	path := cfg.Providers
	explicit := path != ""
	if !explicit {
		path = filepath.Join(cfg.DataDir, ProvidersFile)
	}
	var g *gateway.Gateway
	// The cache's size cap is the file's cache.max_mb, read at each write so that a
	// reload changes it.
	cs := newCacheStore(db, func() int64 { return g.CacheMaxBytes() })
	g = gateway.New(gateway.Config{Path: path, Log: cfg.Log, Translator: translate.New(), Cache: cs,
		RequireKeys: !access.Loopback(cfg.ProxyAddr),
		// ${keychain:NAME} keys (typed into the Providers page) come from the OS
		// keychain; every other ${NAME} from the environment.
		Getenv: providerfile.Getenv(providerfile.NewSystem(), nil)})
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

// handleGateway adds GET /api/providers, GET /metrics (Prometheus text) and the
// forward keys' API to mux.
func (a *App) handleGateway(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/providers", a.gateway.ServeStatus)
	mux.HandleFunc("GET /metrics", a.gateway.ServeMetrics)
	mux.HandleFunc("GET /api/forward-keys", a.gateway.ServeForwardKeys)
	mux.HandleFunc("POST /api/forward-keys", a.gateway.ServeForwardKeys)
	mux.HandleFunc("DELETE /api/forward-keys/{id}", a.gateway.ServeForwardKeys)
}

// checkGatewayExposure refuses a proxy that listens beyond loopback while the
// gateway has providers and no forward keys: anyone who reaches the address would
// spend the providers' real keys.
func (a *App) checkGatewayExposure() error {
	if access.Loopback(a.cfg.ProxyAddr) || !a.gateway.HasProviders() || a.gateway.ForwardKeysRequired() {
		return nil
	}
	return fmt.Errorf("proxy address %s: %w: the gateway has providers but no forward keys, so anyone who reaches "+
		"the address would spend your provider keys; add forward_keys to %s (or issue one on the Providers page, "+
		"POST /api/forward-keys), or listen on 127.0.0.1", a.cfg.ProxyAddr, access.ErrExposed, a.gateway.Path())
}
