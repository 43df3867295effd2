package app

import (
	"net/http"
	"strconv"
)

// serveMedia answers GET /api/media/{hash} with the stored bytes of an image, audio
// clip or file. The content never changes for a hash, so it may be cached forever.
func (a *App) serveMedia(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if len(hash) != 64 {
		a.writeError(w, r, badRequest("media hash %q: must be 64 hex characters", hash))
		return
	}
	mime, data, err := a.db.Media(r.Context(), hash)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if mime == "" {
		mime = "application/octet-stream"
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	// Captured bytes are untrusted: never let a browser sniff them into HTML or script.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(data)
}
