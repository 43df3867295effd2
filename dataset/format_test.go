package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// formatGolden is what a format makes of a golden input: its record as written,
// or the reason it is invalid.
type formatGolden struct {
	Record json.RawMessage `json:"record,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// TestFormatsGolden writes every golden input of testdata/formats in every format
// written from conversations, to testdata/formats/<case>.<format>.golden.json.
func TestFormatsGolden(t *testing.T) {
	dir := filepath.Join("testdata", "formats")
	for _, spec := range Formats() {
		if spec.Pairs || spec.Format == FormatShareGPT { // sharegpt-jsonl holds the same records
			continue
		}
		for _, name := range goldenCases(t, dir, ".in.json") {
			t.Run(strings.ReplaceAll(string(spec.Format), "-", "_")+"/"+name, func(t *testing.T) {
				base := filepath.Join(dir, name)
				var in shareGPTInput
				if err := json.Unmarshal(readFile(t, base+".in.json"), &in); err != nil {
					t.Fatal(err)
				}
				opt := ShareGPTOptions{SystemInline: in.Options.SystemInline, Opener: in.Options.Opener,
					OpenerPrefix: in.Options.OpenerPrefix, Names: in.Options.Names}
				var out, invalid bytes.Buffer
				w, err := NewRecordWriter(spec.Format, &out, &invalid, opt)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(in.Conversation); err != nil {
					t.Fatal(err)
				}
				report, err := w.Close()
				if err != nil {
					t.Fatal(err)
				}
				var got formatGolden
				if report.Invalid == 1 {
					var rec InvalidRecord
					if err := json.Unmarshal(invalid.Bytes(), &rec); err != nil {
						t.Fatalf("invalid line %q: %v", invalid.String(), err)
					}
					got.Error = rec.Reason
				} else {
					got.Record = bytes.TrimSpace(out.Bytes())
					if err := validateLine(spec.Format, got.Record); err != nil {
						t.Errorf("the %s validator rejects the writer's own line: %v", spec.Format, err)
					}
				}
				checkGolden(t, base+"."+string(spec.Format)+".golden.json", got)
			})
		}
	}
}

// validateLine applies the validator of format f to one written line.
func validateLine(f ExportFormat, line []byte) error {
	switch f {
	case FormatOpenAIJSONL:
		return ValidateOpenAI(line)
	case FormatMessagesJSONL:
		return ValidateMessages(line)
	}
	var rec ShareGPTRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return err
	}
	return ValidateShareGPT(&rec)
}

func TestNewRecordWriterUnknown(t *testing.T) {
	for _, f := range []ExportFormat{"csv", FormatPreference} {
		if _, err := NewRecordWriter(f, nil, nil, ShareGPTOptions{}); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("NewRecordWriter(%q) = %v, want ErrUnknownFormat", f, err)
		}
	}
	if _, err := LookupFormat("csv"); err == nil || !strings.Contains(err.Error(), "openai-jsonl") {
		t.Errorf("LookupFormat(csv) = %v, want an error listing the formats", err)
	}
}
