package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/internal/apptest"
)

// dragSeen is what a fake Config.StartDrag saw of one drag.
type dragSeen struct {
	path    string
	partial []string // contents seen before ready that were neither empty nor the final file
	err     error    // what ready said
	final   []byte   // the file when ready said nil
	names   []string // the files in the drag folder then
}

// fakeDrag is a Config.StartDrag that, like the OS layer, hands nothing on before
// ready: it watches the file until then, and reports what it saw on the returned channel.
func fakeDrag(t *testing.T) (func(context.Context, string, <-chan error) error, <-chan dragSeen) {
	t.Helper()
	seen := make(chan dragSeen, 1)
	start := func(_ context.Context, path string, ready <-chan error) error {
		go func() {
			s := dragSeen{path: path}
			var before [][]byte
			for s.err == nil && s.final == nil {
				select {
				case err := <-ready:
					if s.err = err; err == nil {
						s.final, _ = os.ReadFile(path)
						entries, _ := os.ReadDir(filepath.Dir(path))
						for _, e := range entries {
							s.names = append(s.names, e.Name())
						}
					}
				default:
					if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
						before = append(before, b)
					}
				}
			}
			for _, b := range before {
				if !bytes.Equal(b, s.final) {
					s.partial = append(s.partial, string(b))
				}
			}
			seen <- s
		}()
		return nil
	}
	return start, seen
}

// shareGPTRecord is the part of a ShareGPT record the tests look at.
type shareGPTRecord struct {
	Conversations []struct{ From, Value string } `json:"conversations"`
	// Messages holds the turns of the role/content formats (openai-jsonl, messages-jsonl).
	Messages []struct{ Role, Content string } `json:"messages"`
}

// records reads a ShareGPT file (a JSON array, or JSON Lines) into its records' first human turns.
func records(t *testing.T, b []byte) []string {
	t.Helper()
	var recs []shareGPTRecord
	if bytes.HasPrefix(b, []byte("[")) {
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatalf("not a ShareGPT JSON array: %v\n%s", err, b)
		}
	} else {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			var r shareGPTRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("not a ShareGPT JSON line: %v\n%s", err, line)
			}
			recs = append(recs, r)
		}
	}
	out := []string{}
	for _, r := range recs {
		switch {
		case len(r.Conversations) > 0:
			out = append(out, r.Conversations[0].Value)
		case len(r.Messages) > 0:
			out = append(out, r.Messages[0].Content)
		default:
			t.Fatalf("record without turns in\n%s", b)
		}
	}
	return out
}

func TestDragAPI(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	today := time.Now().Format(time.DateOnly)
	if code, body := ta.send(t, "POST", "/api/drag", `{}`); code != http.StatusConflict || !strings.Contains(body, "desktop app") {
		t.Errorf("POST /api/drag without StartDrag = %d %s, want 409 saying it needs the desktop app", code, body)
	}
	var st Status
	if ta.getJSON(t, "/api/status", &st); st.NativeDrag {
		t.Error("status nativeDrag = true without StartDrag")
	}
	start, seen := fakeDrag(t)
	ta.cfg.StartDrag = start
	if ta.getJSON(t, "/api/status", &st); !st.NativeDrag {
		t.Error("status nativeDrag = false with StartDrag set")
	}

	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantName   string
		want       []string // first human turns of the records, in order
	}{
		{"whole_export_default_name", `{}`, 200, "llmtap-" + today + ".json",
			[]string{"chat 0", "chat 1", "chat 2", "chat 3", "chat 4", "chat 5"}},
		{"filter_jsonl", `{"format":"sharegpt-jsonl","filter":{"status":["confirmed"]},"name":"confirmed.jsonl"}`, 200,
			"confirmed.jsonl", []string{"chat 3"}},
		{"list_filter", `{"filter":{"q":"\"chat 5\""},"name":"five.json"}`, 200, "five.json", []string{"chat 5"}},
		{"selection_in_given_order", fmt.Sprintf(`{"ids":[%d,%d,%d],"name":"picked.json"}`, ids["#chat 4"], ids["#chat 1"], ids["#chat 6"]),
			200, "picked.json", []string{"chat 4", "chat 1"}}, // chat 6 cannot be exported
		{"one_conversation", fmt.Sprintf(`{"ids":[%d],"name":"plan a weekend.json","system":"inline"}`, ids["#chat 0"]), 200,
			"plan a weekend.json", []string{"chat 0"}},
		{"bad_json", `{"ids":"1"}`, 400, "", nil},
		{"unknown_field", `{"id":1}`, 400, "", nil},
		{"ids_and_filter", `{"ids":[1],"filter":{"status":"confirmed"}}`, 400, "", nil},
		{"empty_ids", `{"ids":[]}`, 400, "", nil},
		{"bad_id", `{"ids":[0]}`, 400, "", nil},
		{"ids_as_preference_pairs", `{"ids":[1],"format":"dpo-jsonl"}`, 400, "", nil},
		{"bad_filter", `{"filter":{"colour":"red"}}`, 400, "", nil},
		{"bad_format", `{"format":"csv"}`, 400, "", nil},
		{"name_with_folder", `{"name":"../x.json"}`, 400, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ta.send(t, "POST", "/api/drag", tt.body)
			if code != tt.wantStatus {
				t.Fatalf("POST /api/drag %s = %d %s, want %d", tt.body, code, body, tt.wantStatus)
			}
			if code != 200 {
				return
			}
			var ans DragAnswer
			if err := json.Unmarshal([]byte(body), &ans); err != nil {
				t.Fatal(err)
			}
			s := <-seen
			if s.err != nil {
				t.Fatalf("ready = %v, want nil", s.err)
			}
			dir := filepath.Dir(s.path)
			if s.path != ans.Path || filepath.Base(s.path) != tt.wantName || filepath.Dir(dir) != filepath.Join(ta.DataDir(), "exports", "drag") {
				t.Errorf("dragged %q (answer %q), want exports/drag/<folder>/%s", s.path, ans.Path, tt.wantName)
			}
			if len(s.partial) > 0 {
				t.Errorf("before ready the file held %d partial versions, first:\n%s", len(s.partial), s.partial[0])
			}
			if diff := cmp.Diff([]string{tt.wantName}, s.names); diff != "" {
				t.Errorf("files in the drag folder when ready (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, records(t, s.final)); diff != "" {
				t.Errorf("records when ready said nil (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("failed_write_removes_the_file", func(t *testing.T) {
		code, body := ta.send(t, "POST", "/api/drag", `{"ids":[999]}`)
		if code != 200 {
			t.Fatalf("POST /api/drag unknown id = %d %s, want 200 (the drag begins before the file is written)", code, body)
		}
		s := <-seen
		if s.err == nil || !strings.Contains(s.err.Error(), "999") {
			t.Errorf("ready = %v, want the error about conversation 999", s.err)
		}
		if _, err := os.Stat(s.path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after a failed write %s exists (%v), want it removed", s.path, err)
		}
	})

	t.Run("drag_not_begun_removes_the_folder", func(t *testing.T) {
		var path string
		ta.cfg.StartDrag = func(_ context.Context, p string, _ <-chan error) error {
			path = p
			return errors.New("the mouse button was released")
		}
		defer func() { ta.cfg.StartDrag = start }()
		code, body := ta.send(t, "POST", "/api/drag", `{}`)
		if code != 500 || !strings.Contains(body, "mouse button was released") {
			t.Errorf("POST /api/drag when the drag cannot begin = %d %s, want 500 with the reason", code, body)
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the folder of a drag that never began is still there (%v)", err)
		}
	})

	t.Run("old_drag_folders_removed", func(t *testing.T) {
		root := filepath.Join(ta.DataDir(), "exports", "drag")
		old, recent := filepath.Join(root, "old"), filepath.Join(root, "recent")
		for _, d := range []string{old, recent} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		twoDays := time.Now().Add(-48 * time.Hour)
		if err := os.Chtimes(old, twoDays, twoDays); err != nil {
			t.Fatal(err)
		}
		if code, body := ta.send(t, "POST", "/api/drag", `{}`); code != 200 {
			t.Fatalf("POST /api/drag = %d %s", code, body)
		}
		<-seen
		if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a drag folder two days old is still there (%v)", err)
		}
		if _, err := os.Stat(recent); err != nil {
			t.Errorf("a recent drag folder was removed: %v", err)
		}
	})
}

func TestDownloadAPI(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	today := time.Now().Format(time.DateOnly)
	tests := []struct {
		name        string
		query       string
		wantStatus  int
		wantType    string
		wantDispose string
		want        []string
	}{
		{"default", "", 200, "application/json; charset=utf-8", "attachment; filename=llmtap-" + today + ".json",
			[]string{"chat 0", "chat 1", "chat 2", "chat 3", "chat 4", "chat 5"}},
		{"filter_and_name", "?status=confirmed&format=sharegpt-jsonl&name=chats.jsonl", 200, "application/x-ndjson; charset=utf-8",
			"attachment; filename=chats.jsonl", []string{"chat 3"}},
		{"ids", fmt.Sprintf("?ids=%d,%d&name=two.json", ids["#chat 2"], ids["#chat 0"]), 200, "application/json; charset=utf-8",
			"attachment; filename=two.json", []string{"chat 2", "chat 0"}},
		{"ids_openai", fmt.Sprintf("?ids=%d,%d&format=openai-jsonl", ids["#chat 2"], ids["#chat 0"]), 200, "application/x-ndjson; charset=utf-8",
			"attachment; filename=llmtap-openai-" + today + ".jsonl", []string{"chat 2", "chat 0"}},
		{"messages_jsonl", "?status=confirmed&format=messages-jsonl", 200, "application/x-ndjson; charset=utf-8",
			"attachment; filename=llmtap-messages-" + today + ".jsonl", []string{"chat 3"}},
		{"name_needs_quoting", "?name=" + "my%20chats.json", 200, "application/json; charset=utf-8",
			`attachment; filename="my chats.json"`, []string{"chat 0", "chat 1", "chat 2", "chat 3", "chat 4", "chat 5"}},
		{"unicode_name", "?name=" + "%E9%87%8C%E6%96%AF%E6%9C%AC.json&status=confirmed", 200, "application/json; charset=utf-8",
			"attachment; filename*=utf-8''%E9%87%8C%E6%96%AF%E6%9C%AC.json", []string{"chat 3"}},
		{"nothing_matches", "?model=nope", 200, "application/json; charset=utf-8",
			"attachment; filename=llmtap-" + today + ".json", []string{}},
		{"nothing_matches_jsonl", "?model=nope&format=sharegpt-jsonl", 200, "application/x-ndjson; charset=utf-8",
			"attachment; filename=llmtap-" + today + ".jsonl", []string{}},
		{"unknown_id", "?ids=999", 404, "application/json; charset=utf-8", "", nil},
		{"bad_ids", "?ids=1,x", 400, "application/json; charset=utf-8", "", nil},
		{"ids_and_filter", "?ids=1&status=confirmed", 400, "application/json; charset=utf-8", "", nil},
		{"bad_status", "?status=great", 400, "application/json; charset=utf-8", "", nil},
		{"bad_name", "?name=.hidden", 400, "application/json; charset=utf-8", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(ta.api.URL + "/api/export/download" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET /api/export/download%s = %d %s, want %d", tt.query, resp.StatusCode, b, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := resp.Header.Get("Content-Disposition"); got != tt.wantDispose {
				t.Errorf("Content-Disposition = %q, want %q", got, tt.wantDispose)
			}
			if resp.StatusCode != 200 {
				if !json.Valid(b) || !strings.Contains(string(b), `"error"`) {
					t.Errorf("error body = %s, want {\"error\": …}", b)
				}
				return
			}
			if diff := cmp.Diff(tt.want, records(t, b)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("failure_after_a_record_breaks_the_download", func(t *testing.T) {
		// An export reads export.BatchSize conversations at a time: the missing one comes
		// in the batch after the first, once records went out.
		first := strings.Repeat(fmt.Sprintf("%d,", ids["#chat 0"]), export.BatchSize)
		resp, err := http.Get(ta.api.URL + "/api/export/download?ids=" + first + "999")
		if err != nil {
			return // broken before the headers went out: as good
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil {
			t.Errorf("download failing after its first record read whole (%d %q), want a broken connection", resp.StatusCode, b)
		}
	})
}

// exportFixture captures seven one-round chats, edits the answer of the first and
// marks the answer of the last "don't train", so it cannot be exported
// (apptest.ExportFixture).
func exportFixture(t *testing.T) *testApp {
	t.Helper()
	ta := startApp(t, fakeOpenAI(t).URL)
	apptest.ExportFixture(t, ta.Client)
	return ta
}
