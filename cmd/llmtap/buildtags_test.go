package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBuildNeedsSQLiteTags keeps the promise of store/fts5_tag.go and store/cgo_tag.go:
// a build that would give a binary whose SQLite lacks FTS5, or is go-sqlite3's stub,
// stops at build time with a message naming the fix, and the builds the scripts make
// still go through. The refused builds fail while the go command loads the packages,
// before any compiling, so they cost no SQLite compile; the accepted ones are only
// planned (go build -n), since scripts/build and scripts/package-* make them for real.
func TestBuildNeedsSQLiteTags(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	tests := []struct {
		name string
		cgo  string // CGO_ENABLED
		tags string // -tags, which overrides the one in GOFLAGS (scripts/env.sh)
		// want is a piece of the message the build must stop with; "" means it builds.
		want string
	}{
		{"no_tags", "1", "", "add -tags sqlite_fts5 to go build"},
		{"desktop_tags_without_sqlite", "1", "desktop,production,webkit2_41", "add -tags sqlite_fts5 to go build"},
		{"no_cgo", "0", "sqlite_fts5", "llmtap needs cgo for SQLite"},
		{"scripts_tags", "1", "sqlite_fts5,webkit2_41", ""},
		{"desktop_tags", "1", "desktop,production,webkit2_41,sqlite_fts5", ""},
		{"go_sqlite3_short_tag", "1", "fts5", ""},
		{"no_cgo_stub_asked_for", "0", "desktop,production,webkit2_41,sqlite_fts5,llmtap_sqlite_stub", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"build", "-tags=" + tt.tags}
			if tt.want == "" {
				args = append(args, "-n")
			} else {
				args = append(args, "-o", os.DevNull)
			}
			cmd := exec.Command("go", append(args, "github.com/llmtap/llmtap/cmd/llmtap")...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED="+tt.cgo)
			out, err := cmd.CombinedOutput()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("go %s: %v; want it to build\n%s", strings.Join(args, " "), err, out)
			case tt.want != "" && err == nil:
				t.Errorf("go %s built; want it refused with %q", strings.Join(args, " "), tt.want)
			case tt.want != "" && !strings.Contains(string(out), tt.want):
				t.Errorf("go %s printed\n%s\nwant a message with %q", strings.Join(args, " "), out, tt.want)
			}
		})
	}
}
