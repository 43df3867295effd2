package frontend

import (
	"io/fs"
	"testing"
)

func TestAssets(t *testing.T) {
	assets := Assets()
	_, err := fs.Stat(assets, "index.html")
	if got := err == nil; got != Built() {
		t.Errorf("Assets() has index.html = %v, Built() = %v; want them to agree", got, Built())
	}
	if !Built() {
		// dist/ is committed: only a build running in this tree right now empties it.
		t.Fatalf("frontend/dist has no index.html: run scripts/build (or npm run build in frontend/)")
	}
	page, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		t.Fatalf("ReadFile(index.html): %v", err)
	}
	if len(page) == 0 {
		t.Errorf("index.html is empty")
	}
	matches, err := fs.Glob(assets, "assets/*.js")
	if err != nil || len(matches) == 0 {
		t.Errorf("Glob(assets/*.js) = %v, %v; want at least one script", matches, err)
	}
}
