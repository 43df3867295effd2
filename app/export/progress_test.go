package export_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestWriteDatasetProgress checks the progress a walk reports: the total first, then
// each conversation, for both writers.
func TestWriteDatasetProgress(t *testing.T) {
	ta := exportFixture(t) // seven chats, none rejected
	for _, format := range []dataset.ExportFormat{dataset.FormatShareGPTJSONL, dataset.FormatPreference} {
		t.Run(string(format), func(t *testing.T) {
			var calls [][2]int
			_, err := export.WriteDataset(t.Context(), ta.DB(), format, store.ExportFilter{}, dataset.ShareGPTOptions{},
				io.Discard, io.Discard, func(done, total int) { calls = append(calls, [2]int{done, total}) })
			if err != nil {
				t.Fatal(err)
			}
			want := [][2]int{{0, 7}, {1, 7}, {2, 7}, {3, 7}, {4, 7}, {5, 7}, {6, 7}, {7, 7}}
			if !slices.Equal(calls, want) {
				t.Errorf("progress calls %v, want %v", calls, want)
			}
		})
	}
}

// TestExportProgressAPI covers GET /api/export/progress/{id} and the progress ids of
// the preview and the export: a run is visible under its id while it runs and gone
// after, an id is one run's at a time, and a bad id is refused before anything is
// written.
func TestExportProgressAPI(t *testing.T) {
	ta := exportFixture(t)
	var p export.Progress
	if code := ta.getJSON(t, "/api/export/progress/none-such", &p); code != 404 {
		t.Errorf("progress of no run = %d, want 404", code)
	}

	// A run in flight, as the export handler registers it.
	report, end, err := ta.Export().StartRun("busy")
	if err != nil {
		t.Fatal(err)
	}
	report(3, 7)
	if code := ta.getJSON(t, "/api/export/progress/busy", &p); code != 200 || p != (export.Progress{Done: 3, Total: 7}) {
		t.Errorf("progress = %d %+v, want 200 {3 7}", code, p)
	}
	if code, body := ta.send(t, "POST", "/api/export", `{"progress":"busy"}`); code != 409 {
		t.Errorf("export under a taken id = %d %s, want 409", code, body)
	}
	if code := ta.getJSON(t, "/api/export/preview?progress=busy", &p); code != 409 {
		t.Errorf("preview under a taken id = %d, want 409", code)
	}
	end()
	if code := ta.getJSON(t, "/api/export/progress/busy", &p); code != 404 {
		t.Errorf("progress after the run ended = %d, want 404", code)
	}

	for _, bad := range []string{"has space", "way-too-long-" + string(bytes.Repeat([]byte("x"), 64)), "semi;colon"} {
		if code, body := ta.send(t, "POST", "/api/export", `{"name":"never.json","progress":"`+bad+`"}`); code != 400 {
			t.Errorf("export with progress %q = %d %s, want 400", bad, code, body)
		}
	}
	if _, err := os.Stat(filepath.Join(ta.DataDir(), "exports", "never.json")); !os.IsNotExist(err) {
		t.Errorf("a refused export left a file behind: %v", err)
	}

	// Runs that name themselves finish as usual and leave no run behind.
	var prev export.Preview
	if code := ta.getJSON(t, "/api/export/preview?progress=prev-1", &prev); code != 200 || prev.Valid != 6 {
		t.Errorf("preview with progress = %d %+v", code, prev)
	}
	if code, body := ta.send(t, "POST", "/api/export", `{"progress":"write-1"}`); code != 200 {
		t.Errorf("export with progress = %d %s", code, body)
	}
	for _, id := range []string{"prev-1", "write-1"} {
		if code := ta.getJSON(t, "/api/export/progress/"+id, &p); code != 404 {
			t.Errorf("run %s still listed after it ended: %d", id, code)
		}
	}
}
