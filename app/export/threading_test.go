package export_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/threadcase"
	"github.com/llmtap/llmtap/store"
)

var update = flag.Bool("update", false, "rewrite the <case>.sharegpt.jsonl golden files under ../../dataset/testdata/threading")

// TestThreadingExportGolden writes the SillyTavern threading cases as ShareGPT JSONL
// with the default options and compares the file and its invalid list with
// <case>.sharegpt.jsonl beside the case (issue 16: a chat that opens with the
// character's greeting, or a group chat, reaches the dataset). -update rewrites them.
func TestThreadingExportGolden(t *testing.T) {
	for _, name := range sillyTavernCases(t) {
		t.Run(name, func(t *testing.T) {
			db := storeCase(t, name)
			var out, invalid bytes.Buffer
			if _, err := export.WriteDataset(t.Context(), db, dataset.FormatShareGPTJSONL, store.ExportFilter{},
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
				t.Fatalf("read golden file (run go test ./app/export -run Golden -update to create it): %v", err)
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
	names, err := threadcase.Names(threadingDir, "sillytavern_")
	if err != nil {
		t.Fatal(err)
	}
	return names
}
