package hfdir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/llmtap/llmtap/dataset"
)

// conversations are the golden inputs every format is written from here: plain
// turns, tool calls, reasoning and a greeting, some in each split.
func conversations(n int) []dataset.Conversation {
	tools := `[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	var out []dataset.Conversation
	for i := 1; i <= n; i++ {
		c := dataset.Conversation{ID: int64(i), Title: "c", Status: dataset.StatusConfirmed, Score: i % 6} // 0: unrated
		switch i % 3 {
		case 0:
			c.Messages = []dataset.Message{{Role: dataset.RoleSystem, Content: "Be brief."},
				{Role: dataset.RoleUser, Content: "Is 91 prime?"},
				{Role: dataset.RoleAssistant, Content: "No.", Reasoning: "7 × 13"}}
		case 1:
			c.Tools = tools
			c.Messages = []dataset.Message{{Role: dataset.RoleUser, Content: "Weather in Oslo?"},
				{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "get_weather", Arguments: `{"city":"Oslo"}`}}},
				{Role: dataset.RoleTool, ToolCallID: "c1", Content: "-3 °C"},
				{Role: dataset.RoleAssistant, Content: "Cold: -3 °C."}}
		default:
			c.Messages = []dataset.Message{{Role: dataset.RoleAssistant, Content: "*waves* Hello, traveller."},
				{Role: dataset.RoleUser, Content: "Hi!"}, {Role: dataset.RoleAssistant, Content: "Welcome."}}
		}
		out = append(out, c)
	}
	return out
}

// TestFolderRoundTrip writes every format with a Parquet layout into a folder
// with a validation split and reads the shards back with parquet-go's reader:
// the rows are the records the JSON Lines writer makes, split by conversation ID.
func TestFolderRoundTrip(t *testing.T) {
	convs := conversations(60)
	for _, spec := range dataset.Formats() {
		if spec.Row == nil || spec.Pairs {
			continue
		}
		t.Run(string(spec.Format), func(t *testing.T) {
			dir := t.TempDir()
			f, err := New(dir, spec, 0.25)
			if err != nil {
				t.Fatal(err)
			}
			w, err := dataset.NewRecordSinkWriter(spec.Format, f, nil, dataset.ShareGPTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var lines strings.Builder
			jw, _ := dataset.NewRecordWriter(dataset.FormatShareGPTJSONL, &lines, nil, dataset.ShareGPTOptions{})
			if spec.Format != dataset.FormatShareGPT {
				jw, _ = dataset.NewRecordWriter(spec.Format, &lines, nil, dataset.ShareGPTOptions{})
			}
			want := map[string][]any{}
			for _, c := range convs {
				if err := w.Write(c); err != nil {
					t.Fatal(err)
				}
				n := strings.Count(lines.String(), "\n")
				jw.Write(c)
				if strings.Count(lines.String(), "\n") == n {
					continue
				}
				all := strings.Split(strings.TrimSpace(lines.String()), "\n")
				var v any
				json.Unmarshal([]byte(all[len(all)-1]), &v)
				split := "train"
				if InValidation(c.ID, 0.25) {
					split = "validation"
				}
				want[split] = append(want[split], v)
			}
			report, err := w.Close()
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.Close(report)
			if err != nil {
				t.Fatal(err)
			}
			if len(want["train"]) == 0 || len(want["validation"]) == 0 || res.Rows["train"] != len(want["train"]) {
				t.Fatalf("rows %v, want %d train and %d validation", res.Rows, len(want["train"]), len(want["validation"]))
			}
			checkScoreColumn(t, filepath.Join(dir, "data", "train-00000-of-00001.parquet"), spec.Format != dataset.FormatKTO)
			for split, recs := range want {
				got := readRows(t, filepath.Join(dir, "data", split+"-00000-of-00001.parquet"), spec.Row)
				if diff := cmp.Diff(recs, got); diff != "" {
					t.Errorf("%s split read back (-written as JSON +read from Parquet):\n%s", split, diff)
				}
			}
			card, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			if !strings.Contains(string(card), `path: "data/validation-*.parquet"`) {
				t.Errorf("README.md names no validation split:\n%s", card)
			}
		})
	}
}

// checkScoreColumn checks the "score" column of a shard (issue 14): an optional
// integer, null in the rows of unrated conversations and 1 to 5 in the others;
// none at all when want is false (kto labels answers, not conversations).
func checkScoreColumn(t *testing.T, path string, want bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	col, ok := pf.Schema().Lookup("score")
	if !ok {
		if want {
			t.Fatal("no score column")
		}
		return
	}
	if !want {
		t.Fatal("a score column in a format without one")
	}
	if !col.Node.Optional() || col.Node.Type().Kind() != parquet.Int64 {
		t.Fatalf("score column: optional %v, kind %v; want an optional INT64", col.Node.Optional(), col.Node.Type().Kind())
	}
	nulls, scored := 0, 0
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[col.ColumnIndex].Pages()
		for {
			p, err := pages.ReadPage()
			if err != nil {
				break
			}
			vals := make([]parquet.Value, p.NumValues())
			n, _ := p.Values().ReadValues(vals)
			for _, v := range vals[:n] {
				switch {
				case v.IsNull():
					nulls++
				case v.Int64() >= 1 && v.Int64() <= 5:
					scored++
				default:
					t.Errorf("score %v, want null or 1 to 5", v)
				}
			}
		}
		pages.Close()
	}
	if nulls == 0 || scored == 0 {
		t.Errorf("score column: %d nulls, %d scores; want both", nulls, scored)
	}
}

// readRows reads a shard with parquet-go into rows of row's type and returns
// them as JSON values, for comparing with the JSON Lines records.
func readRows(t *testing.T, path string, row any) []any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, col := range rg.Columns {
			if col.MetaData.Codec != format.Zstd {
				t.Fatalf("column %v is compressed with %v, want zstd", col.MetaData.PathInSchema, col.MetaData.Codec)
			}
		}
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	var out []any
	for {
		v := newRow(row)
		if err := r.Read(v); err != nil {
			break
		}
		b, _ := json.Marshal(v)
		var j any
		json.Unmarshal(b, &j)
		out = append(out, j)
	}
	return out
}

// newRow returns a pointer to a new zero value of row's type.
func newRow(row any) any { return reflect.New(reflect.TypeOf(row)).Interface() }

// TestFolderPairs writes the pair formats with a Parquet layout into a folder and
// reads the rows back: the records the JSON Lines writer makes. A second export
// into the folder replaces the shards of the first and leaves other files.
func TestFolderPairs(t *testing.T) {
	tools := `[{"name":"f","parameters":{"type":"object","properties":{}}}]`
	var pairs []dataset.PreferencePair
	for i := int64(1); i <= 20; i++ {
		pairs = append(pairs, dataset.PreferencePair{ID: i, Tools: tools,
			History:  []dataset.Message{{Role: dataset.RoleSystem, Content: "Be brief."}, {Role: dataset.RoleUser, Content: "Capital of Australia?"}},
			Chosen:   dataset.Message{Role: dataset.RoleAssistant, Content: "Canberra.", Reasoning: "not Sydney"},
			Rejected: dataset.Message{Role: dataset.RoleAssistant, ToolCalls: []dataset.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}}}})
	}
	for _, spec := range dataset.Formats() {
		if !spec.Pairs || spec.Row == nil {
			continue
		}
		t.Run(string(spec.Format), func(t *testing.T) {
			dir := t.TempDir()
			other := filepath.Join(dir, "data", "notes.parquet")
			os.MkdirAll(filepath.Dir(other), 0o700)
			os.WriteFile(other, []byte("x"), 0o600)
			for run := range 2 {
				f, err := New(dir, spec, 0)
				if err != nil {
					t.Fatal(err)
				}
				w, err := dataset.NewPairSinkWriter(spec.Format, f, nil, dataset.ShareGPTOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var lines strings.Builder
				jw, _ := dataset.NewPairWriter(spec.Format, &lines, nil, dataset.ShareGPTOptions{})
				for _, p := range pairs[:10+run*5] {
					if err := w.Write(p); err != nil {
						t.Fatal(err)
					}
					jw.Write(p)
				}
				report, _ := w.Close()
				if _, err := f.Close(report); err != nil {
					t.Fatal(err)
				}
				var want []any
				for _, l := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
					var v any
					json.Unmarshal([]byte(l), &v)
					want = append(want, v)
				}
				got := readRows(t, filepath.Join(dir, "data", "train-00000-of-00001.parquet"), spec.Row)
				if len(want) != 10+run*5 {
					t.Fatalf("%d JSON lines, want %d", len(want), 10+run*5)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("run %d read back (-JSON +Parquet):\n%s", run, diff)
				}
			}
			if _, err := os.Stat(other); err != nil {
				t.Errorf("a file of the folder's own went: %v", err)
			}
		})
	}
}
