// Package frontend holds llmtap's web UI (Svelte + TypeScript, built by Vite into dist/)
// and embeds the build so the desktop app and `llmtap serve --ui` can serve it.
//
// The UI talks to the server only through the /api JSON endpoints. This package imports
// nothing from llmtap and nothing outside the standard library.
//
// The build in dist/ is committed, so a plain `go build` or `go install` embeds the UI
// without Node or Vite. It is rebuilt (scripts/build, or npm run build here) and committed
// with every change to src/; scripts/test fails when it differs from a fresh build, which
// Vite makes byte for byte the same for the same sources and package-lock.json.
// Built stays for a tree whose dist/ was emptied (a build in progress): the server then
// says how to build the UI instead of serving a blank page.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built UI rooted at dist/ (index.html, assets/...). It is safe for
// concurrent use. Check Built before serving it.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "dist" is a constant.
		panic(err)
	}
	return sub
}

// Built reports whether the embedded UI was built, i.e. whether dist/index.html exists.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}
