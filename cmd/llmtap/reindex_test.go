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
