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

// TestOpenAIRoundTrip reads written openai-jsonl lines back with the OpenAI chat
// parser, as a request body, and writes them again: a line of a conversation with
// no turn marked not to train on (weight is not part of a request) comes out the same.
func TestOpenAIRoundTrip(t *testing.T) {
	dir := filepath.Join("testdata", "formats")
	for _, name := range []string{"openai_tools", "anthropic_tools", "gemini_tools_parallel", "reasoning", "trailing_user_dropped"} {
		t.Run(name, func(t *testing.T) {
			var in shareGPTInput
			if err := json.Unmarshal(readFile(t, filepath.Join(dir, name+".in.json")), &in); err != nil {
				t.Fatal(err)
			}
			first := writeOne(t, FormatOpenAIJSONL, in.Conversation)
			round, err := ParseOpenAIChat(first, nil)
			if err != nil {
				t.Fatalf("ParseOpenAIChat(%s) = %v", first, err)
			}
			second := writeOne(t, FormatOpenAIJSONL, Conversation{ID: 1, Messages: round.Messages, Tools: round.Tools})
			if !bytes.Equal(first, second) {
				t.Errorf("read back and written again:\n%s\nwant\n%s", second, first)
			}
		})
	}
}

func writeOne(t *testing.T, f ExportFormat, c Conversation) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewRecordWriter(f, &out, nil, ShareGPTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(c); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Close(); err != nil || r.Written != 1 {
		t.Fatalf("write %s: %+v, %v", f, r, err)
	}
	return out.Bytes()
}
