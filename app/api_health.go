package app

import (
	"net/http"
	"time"
)

// apiHealth answers GET /api/health?window=24h|all (24h when absent): store.Health
// per host and per model. Whether captures are being saved is in /api/status.
func (a *App) apiHealth(r *http.Request) (any, error) {
	w := r.URL.Query().Get("window")
	if w == "" {
		w = "24h"
	}
	var since time.Time // all time
	switch w {
	case "24h":
		since = time.Now().Add(-24 * time.Hour)
	case "all":
	default:
		return nil, badRequest("window %q: must be 24h or all", w)
	}
	return a.db.Health(r.Context(), since)
}
