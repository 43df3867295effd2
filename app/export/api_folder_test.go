package export_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportFolderAPI: POST /api/export with folder writes a Hugging Face dataset
// folder under exports/ (a second one gets its own name), with a validation split
// when asked; a format with no Parquet layout, a split without a folder and an
// unknown reasoning mode are refused.
func TestExportFolderAPI(t *testing.T) {
	ta := exportFixture(t)
	tests := []struct {
		name, body string
		wantStatus int
		wantSplits []string
	}{
		{"folder", `{"format":"sharegpt","folder":true,"name":"chats.json"}`, 200, []string{"train"}},
		{"folder_again_with_validation", `{"format":"kto","folder":true,"name":"chats.json","validation":0.5,"reasoning":"inline"}`, 200, []string{"train", "validation"}},
		{"no_parquet_layout", `{"format":"openai-jsonl","folder":true}`, 400, nil},
		{"validation_without_folder", `{"format":"sharegpt","validation":0.1}`, 400, nil},
		{"bad_reasoning", `{"format":"sharegpt","reasoning":"hidden"}`, 400, nil},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := postExport(t, ta, tt.body, tt.wantStatus)
			if !ok {
				return
			}
			if seen[got.Path] || filepath.Dir(got.Path) != filepath.Join(ta.DataDir(), "exports") || !strings.HasPrefix(filepath.Base(got.Path), "chats") {
				t.Errorf("path %q: want a new folder chats… under exports/", got.Path)
			}
			seen[got.Path] = true
			total := 0
			for _, split := range tt.wantSplits {
				if _, err := os.Stat(filepath.Join(got.Path, "data", split+"-00000-of-00001.parquet")); err != nil {
					t.Error(err)
				}
				total += got.Splits[split]
			}
			if total != got.Written || len(got.Splits) != len(tt.wantSplits) {
				t.Errorf("splits %v of %d records, want %v", got.Splits, got.Written, tt.wantSplits)
			}
			if _, err := os.Stat(filepath.Join(got.Path, "README.md")); err != nil {
				t.Error(err)
			}
		})
	}
}
