package app

import (
	"io/fs"
	"net/http"
	"strings"
)

// UIHandler serves the review UI to a browser: the API at /api/, /healthz and /metrics, the
// built frontend everywhere else (unknown paths get index.html, so client-side routes
// reload). When the frontend was not built it serves a page that says how to build it.
func UIHandler(api http.Handler, assets fs.FS, built bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/metrics", api) // Prometheus scrapes the UI address
	if built {
		mux.Handle("/", spa(assets))
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(notBuiltPage))
		})
	}
	return mux
}

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>llmtap</title>
<body style="font-family:system-ui;max-width:40em;margin:4em auto">
<h1>The llmtap UI was not built into this binary</h1>
<p>The proxy and the <a href="/api/status">JSON API</a> work. To get the UI, build the frontend
first and then the binary: <code>scripts/build</code>.</p>`

func spa(assets fs.FS) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p != "" {
			if _, err := fs.Stat(assets, p); err != nil {
				r = r.Clone(r.Context())
				r.URL.Path = "/"
			}
		}
		if r.URL.Path == "/" || strings.HasSuffix(r.URL.Path, ".html") {
			w.Header().Set("Cache-Control", "no-cache") // a new build must show at once
		} else if strings.HasPrefix(r.URL.Path, "/assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // hashed names
		}
		files.ServeHTTP(w, r)
	})
}
