package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRevealCommand(t *testing.T) {
	tests := []struct {
		goos string
		want []string
	}{
		{"linux", []string{"xdg-open", "/data/exports"}},
		{"darwin", []string{"open", "-R", "/data/exports/a.json"}},
		{"windows", []string{"explorer", "/select,/data/exports/a.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, RevealCommand(tt.goos, "/data/exports/a.json")); diff != "" {
				t.Errorf("RevealCommand (-want +got):\n%s", diff)
			}
		})
	}
}

func postJSON(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestExportSaveAsAndCopyRecord(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.chat(t, false, "copy me as JSON")
	ta.wait(t, 1)

	var rec map[string]any
	if code := ta.getJSON(t, "/api/conversations/1/record?format=sharegpt", &rec); code != 200 {
		t.Fatalf("GET record = %d %v", code, rec)
	}
	if turns, _ := rec["conversations"].([]any); len(turns) != 2 {
		t.Errorf("record = %v, want 2 turns", rec)
	}
	if code := ta.getJSON(t, "/api/conversations/99/record", nil); code != 404 {
		t.Errorf("GET record of an unknown conversation = %d, want 404", code)
	}

	// Without a native dialog (llmtap serve) Save as is refused.
	if code, _ := postJSON(t, ta.api.URL+"/api/export", map[string]any{"saveAs": true}); code != 409 {
		t.Errorf("POST export saveAs without dialogs = %d, want 409", code)
	}
	chosen := filepath.Join(t.TempDir(), "picked.json")
	asked := ""
	ta.cfg.SaveDialog = func(_ context.Context, name string) (string, error) { asked = name; return chosen, nil }
	code, body := postJSON(t, ta.api.URL+"/api/export", map[string]any{"saveAs": true, "format": "sharegpt"})
	if code != 200 || body["path"] != chosen || body["written"] != float64(1) || !strings.HasSuffix(asked, ".json") {
		t.Errorf("POST export saveAs = %d %v (suggested %q), want the chosen path with 1 record", code, body, asked)
	}
	if b, err := os.ReadFile(chosen); err != nil || !strings.Contains(string(b), "copy me as JSON") {
		t.Errorf("the chosen file = %q, %v; want the exported chat", b, err)
	}
	ta.cfg.SaveDialog = func(context.Context, string) (string, error) { return "", nil }
	if code, body := postJSON(t, ta.api.URL+"/api/export", map[string]any{"saveAs": true}); code != 200 || body["canceled"] != true {
		t.Errorf("POST export saveAs canceled = %d %v, want canceled", code, body)
	}
	var st Status
	ta.getJSON(t, "/api/status", &st)
	if !st.NativeDialogs {
		t.Error("status nativeDialogs = false with a save dialog set")
	}
	if code, _ := postJSON(t, ta.api.URL+"/api/reveal", map[string]any{"path": "relative.json"}); code != 400 {
		t.Errorf("POST reveal relative = %d, want 400", code)
	}
	if code, _ := postJSON(t, ta.api.URL+"/api/reveal", map[string]any{"path": "/no/such/file.json"}); code != 404 {
		t.Errorf("POST reveal missing = %d, want 404", code)
	}
}
