package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

func TestReindexCommand(t *testing.T) {
	withDB := t.TempDir()
	db, err := store.Open(t.Context(), app.DatabasePath(withDB))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"empty_database", []string{"reindex", "--data", withDB}, 0, "conversations: 0 before, 0 after", ""},
		{"no_database", []string{"reindex", "--data", t.TempDir()}, 1, "", "no llmtap database"},
		{"extra_argument", []string{"reindex", "--data", withDB, "now"}, 2, "", `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("run(%q) = %d, stdout %q, stderr %q; want %d, %q, %q",
					tt.args, code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

// TestReindexRefusesWhileRunning: while a running llmtap holds the data folder's
// capture log (HoldCaptureLog takes the same lock as serve), reindex refuses and
// changes nothing; once it is released, reindex runs.
func TestReindexRefusesWhileRunning(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(t.Context(), app.DatabasePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release, err := app.HoldCaptureLog(t.Context(), dir, db)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"reindex", "--data", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "llmtap is running on this data folder") {
		t.Errorf("reindex while the log is held = %d, stderr %q; want 1 and the reason", code, stderr.String())
	}
	if err := release(t.Context()); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"reindex", "--data", dir}, &stdout, &stderr); code != 0 {
		t.Errorf("reindex after release = %d, stderr %q; want 0", code, stderr.String())
	}
}
