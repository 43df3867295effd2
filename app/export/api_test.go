package export_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

func TestExportPreviewAPI(t *testing.T) {
	ta := exportFixture(t)
	tests := []struct {
		name       string
		query      string
		wantStatus int
		want       export.Preview // Records holds only the first record
	}{
		{"default_takes_all_not_rejected", "", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"conversations":[{"from":"human","value":"chat 0"},{"from":"gpt","value":"an edited answer"}]}`)},
			Valid:   6, Invalid: 1, Reasons: []export.ReasonCount{{"no assistant answer", 1}}}},
		{"one_status", "?status=confirmed&format=sharegpt-jsonl", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"conversations":[{"from":"human","value":"chat 3"},{"from":"gpt","value":"answer 1"}]}`)},
			Valid:   1, Reasons: []export.ReasonCount{}}},
		{"two_statuses", "?status=confirmed&status=rejected", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"conversations":[{"from":"human","value":"chat 3"},{"from":"gpt","value":"answer 1"}]}`)},
			Valid:   1, Reasons: []export.ReasonCount{}}},
		{"list_filter", "?q=chat&model=nope", 200, export.Preview{Records: []json.RawMessage{}, Valid: 0, Reasons: []export.ReasonCount{}}},
		{"preference_pairs", "?format=dpo-jsonl", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"conversations":[{"from":"human","value":"chat 0"}],` +
				`"chosen":{"from":"gpt","value":"an edited answer"},"rejected":{"from":"gpt","value":"answer 1"}}`)},
			Valid: 1, Reasons: []export.ReasonCount{}, PairsByRule: map[dataset.PairRule]int{dataset.RuleReviewerEdit: 1}}},
		// The "don't train" answer stays, weighted 0: its chat has nothing to train on.
		{"openai_jsonl", "?format=openai-jsonl", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"messages":[{"role":"user","content":"chat 0"},{"role":"assistant","content":"an edited answer"}]}`)},
			Valid:   6, Invalid: 1, Reasons: []export.ReasonCount{{"no assistant answer to train on", 1}}}},
		{"messages_jsonl", "?format=messages-jsonl", 200, export.Preview{
			Records: []json.RawMessage{json.RawMessage(`{"messages":[{"role":"user","content":"chat 0"},{"role":"assistant","content":"an edited answer","train":true}]}`)},
			Valid:   6, Invalid: 1, Reasons: []export.ReasonCount{{"no assistant answer to train on", 1}}}},
		{"bad_format", "?format=csv", 400, export.Preview{}},
		{"bad_system", "?system=top", 400, export.Preview{}},
		{"bad_status", "?status=great", 400, export.Preview{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got export.Preview
			code := ta.getJSON(t, "/api/export/preview"+tt.query, &got)
			if code != tt.wantStatus {
				t.Fatalf("GET /api/export/preview%s = %d, want %d", tt.query, code, tt.wantStatus)
			}
			if code != 200 {
				return
			}
			if n := min(tt.want.Valid, export.PreviewRecords); len(got.Records) != n {
				t.Errorf("records = %d, want %d", len(got.Records), n)
			}
			got.Records = got.Records[:min(len(got.Records), 1)]
			if diff := cmp.Diff(tt.want, got, cmp.Transformer("raw", func(r json.RawMessage) string { return string(r) })); diff != "" {
				t.Errorf("preview (-want +got):\n%s", diff)
			}
		})
	}
}

// postExport sends POST /api/export with body and wants the status want; ok says
// whether the answer is a 200 one, read into the export.Answer.
func postExport(t *testing.T, ta *testApp, body string, want int) (export.Answer, bool) {
	t.Helper()
	code, b := ta.send(t, "POST", "/api/export", body)
	if code != want {
		t.Fatalf("POST /api/export %s = %d %s, want %d", body, code, b, want)
	}
	var got export.Answer
	if code != 200 {
		return got, false
	}
	if err := json.Unmarshal([]byte(b), &got); err != nil {
		t.Fatal(err)
	}
	return got, true
}

func TestExportAPI(t *testing.T) {
	ta := exportFixture(t)
	dir := filepath.Join(ta.DataDir(), "exports")
	today := time.Now().Format(time.DateOnly)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantFile   string // in exports/
		wantLines  int    // records in a JSON Lines file
	}{
		{"default_name", `{"format":"sharegpt-jsonl"}`, 200, "llmtap-" + today + ".jsonl", 6},
		{"default_name_taken", `{"format":"sharegpt-jsonl"}`, 200, "llmtap-" + today + "-2.jsonl", 6},
		{"given_name", `{"format":"sharegpt","name":"chats.json"}`, 200, "chats.json", 0},
		{"given_name_taken", `{"format":"sharegpt","name":"chats.json"}`, 200, "chats-2.json", 0},
		{"filtered", `{"format":"sharegpt-jsonl","filter":{"status":["confirmed"]},"name":"confirmed.jsonl"}`, 200, "confirmed.jsonl", 1},
		{"list_filter", `{"format":"sharegpt-jsonl","filter":{"q":"\"chat 5\""},"name":"five.jsonl"}`, 200, "five.jsonl", 1},
		{"preference_pairs", `{"format":"dpo-jsonl"}`, 200, "llmtap-dpo-" + today + ".jsonl", 1},
		// The "don't train" answer stays with weight 0 / train false: its chat has
		// nothing left to train on and is reported invalid, as in ShareGPT.
		{"openai_jsonl", `{"format":"openai-jsonl"}`, 200, "llmtap-openai-" + today + ".jsonl", 6},
		{"messages_jsonl", `{"format":"messages-jsonl"}`, 200, "llmtap-messages-" + today + ".jsonl", 6},
		{"name_with_folder", `{"format":"sharegpt","name":"../escape.json"}`, 400, "", 0},
		{"hidden_name", `{"format":"sharegpt","name":".hidden"}`, 400, "", 0},
		{"bad_filter", `{"format":"sharegpt","filter":{"colour":"red"}}`, 400, "", 0},
		{"bad_format", `{"format":"csv"}`, 400, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := postExport(t, ta, tt.body, tt.wantStatus)
			if !ok {
				return
			}
			if want := filepath.Join(dir, tt.wantFile); got.Path != want {
				t.Errorf("path = %q, want %q", got.Path, want)
			}
			b, err := os.ReadFile(got.Path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantLines > 0 {
				if n := strings.Count(string(b), "\n"); n != tt.wantLines || got.Written != n {
					t.Errorf("file has %d records, answer says %d, want %d", n, got.Written, tt.wantLines)
				}
				checkLines(t, tt.name, b)
			} else if !json.Valid(b) {
				t.Errorf("%s is not valid JSON", got.Path)
			}
			if (got.Invalid > 0) != (got.InvalidPath != "") {
				t.Errorf("invalid = %d, invalidPath = %q: want a path exactly when some are invalid", got.Invalid, got.InvalidPath)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left in exports/", e.Name())
		}
	}
}

// TestDefaultExportNames: the names /api/status hands the page for its drags are the
// ones an export without a name gets.
func TestDefaultExportNames(t *testing.T) {
	day := time.Date(2026, 11, 22, 23, 59, 0, 0, time.Local)
	want := map[dataset.ExportFormat]string{
		dataset.FormatShareGPT:        "llmtap-2026-11-22.json",
		dataset.FormatShareGPTJSONL:   "llmtap-2026-11-22.jsonl",
		dataset.FormatPreference:      "llmtap-dpo-2026-11-22.jsonl",
		dataset.FormatOpenAIJSONL:     "llmtap-openai-2026-11-22.jsonl",
		dataset.FormatMessagesJSONL:   "llmtap-messages-2026-11-22.jsonl",
		dataset.FormatAlpaca:          "llmtap-alpaca-2026-11-22.jsonl",
		dataset.FormatKTO:             "llmtap-kto-2026-11-22.jsonl",
		dataset.FormatOpenAIDPO:       "llmtap-openai-dpo-2026-11-22.jsonl",
		dataset.FormatPreferenceJSONL: "llmtap-preference-2026-11-22.jsonl",
	}
	if diff := cmp.Diff(want, export.DefaultNames(day)); diff != "" {
		t.Errorf("defaultExportNames (-want +got):\n%s", diff)
	}
	for f, name := range want {
		if got, err := export.FileName("", f, day); got != name || err != nil {
			t.Errorf("export.FileName(\"\", %s) = %q, %v; want %q", f, got, err, name)
		}
	}
}

// checkLines applies the validator of the format a test case exports to each line.
func checkLines(t *testing.T, name string, b []byte) {
	t.Helper()
	validate := map[string]func([]byte) error{"openai_jsonl": dataset.ValidateOpenAI, "messages_jsonl": dataset.ValidateMessages}[name]
	if validate == nil {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if err := validate([]byte(line)); err != nil {
			t.Errorf("%s line %s: %v", name, line, err)
		}
	}
}

// TestStatusFormats: /api/status lists every format the dataset package writes, in
// its order, with what the dialog and a drag need of each.
func TestStatusFormats(t *testing.T) {
	ta := startApp(t, fakeOpenAI(t).URL)
	var st struct {
		ExportFormats []struct {
			Format string `json:"format"`
			Label  string `json:"label"`
			Ext    string `json:"ext"`
			MIME   string `json:"mime"`
			Pairs  bool   `json:"pairs"`
		} `json:"exportFormats"`
		ExportNames map[string]string `json:"exportNames"`
	}
	ta.getJSON(t, "/api/status", &st)
	var got []string
	for _, f := range st.ExportFormats {
		got = append(got, f.Format)
		if f.Label == "" || f.Ext == "" || f.MIME == "" || !strings.HasSuffix(st.ExportNames[f.Format], f.Ext) {
			t.Errorf("format %+v (default name %q): want a label, an extension, a media type and a name with the extension",
				f, st.ExportNames[f.Format])
		}
	}
	want := []string{"sharegpt", "sharegpt-jsonl", "openai-jsonl", "messages-jsonl", "alpaca", "kto", "dpo", "openai-dpo", "preference-jsonl"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exportFormats (-want +got):\n%s", diff)
	}
}
