package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestThreadingExportGolden writes the SillyTavern threading cases as ShareGPT JSONL
// with the default options and compares the file and its invalid list with
// <case>.sharegpt.jsonl beside the case (issue 16: a chat that opens with the
// character's greeting, or a group chat, reaches the dataset). -update rewrites them.
func TestThreadingExportGolden(t *testing.T) {
	for _, name := range sillyTavernCases(t) {
		t.Run(name, func(t *testing.T) {
			db := storeCase(t, name)
			var out, invalid bytes.Buffer
			if _, err := writeDataset(t.Context(), db, dataset.FormatShareGPTJSONL, store.ExportFilter{},
				dataset.ShareGPTOptions{}, &out, &invalid, nil); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if invalid.Len() > 0 {
				got += "# invalid\n" + invalid.String()
			}
			path := filepath.Join(threadingDir, name+".sharegpt.jsonl")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test ./app -run Golden -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// sillyTavernCases names the SillyTavern threading cases (issue 16).
func sillyTavernCases(t *testing.T) []string {
	t.Helper()
	cases, err := filepath.Glob(filepath.Join(threadingDir, "sillytavern_*.golden.json"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no SillyTavern cases: %v", err)
	}
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = strings.TrimSuffix(filepath.Base(c), ".golden.json")
	}
	return names
}

// storeCase writes the exchanges of threading case name into a new store.
func storeCase(t *testing.T, name string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	writeCase(t, db, name)
	return db
}

// writeCase writes the exchanges of threading case name into db, as capture does.
func writeCase(t *testing.T, db *store.DB, name string) {
	t.Helper()
	for _, ex := range readExchanges(t, filepath.Join(threadingDir, name)) {
		if err := db.Write(t.Context(), []store.Capture{toCapture(ex.ex)}); err != nil {
			t.Fatalf("Write exchange %s: %v", ex.name, err)
		}
	}
}
