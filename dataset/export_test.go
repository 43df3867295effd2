package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShareGPTWriter(t *testing.T) {
	good := Conversation{ID: 1, Title: "greeting", Messages: []Message{
		{Role: RoleSystem, Content: "Be brief."},
		{Role: RoleUser, Content: "Say <hi> & bye"},
		{Role: RoleAssistant, Content: "<hi> & bye"},
	}}
	warned := Conversation{ID: 2, Title: "tools", Tools: `[{"type":"function","function":{"name":"f"}}]`, Messages: []Message{
		{Role: RoleUser, Content: "Call f"},
		{Role: RoleAssistant, Content: "Calling.", ToolCalls: []ToolCall{{ID: "c", Name: "f", Arguments: `{}`}}},
	}}
	bad := Conversation{ID: 3, Title: "unanswered", Messages: []Message{{Role: RoleUser, Content: "Hello?"}}}

	goodLine := `{"conversations":[{"from":"human","value":"Say <hi> & bye"},{"from":"gpt","value":"<hi> & bye"}],"system":"Be brief."}`
	warnedLine := `{"conversations":[{"from":"human","value":"Call f"},{"from":"function_call","value":"{\"name\":\"f\",\"arguments\":{}}"}],"tools":"[{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}]"}`
	badLine := `{"id":3,"title":"unanswered","reason":"no assistant answer"}` + "\n"

	tests := []struct {
		name        string
		format      ExportFormat
		convs       []Conversation
		want        string
		wantInvalid string
		wantReport  ExportReport
	}{
		{"array_empty", FormatShareGPT, nil, "[]\n", "", ExportReport{}},
		{"jsonl_empty", FormatShareGPTJSONL, nil, "", "", ExportReport{}},
		{"array_only_invalid", FormatShareGPT, []Conversation{bad}, "[]\n", badLine, ExportReport{Invalid: 1}},
		{"array_one", FormatShareGPT, []Conversation{good}, "[\n" + goodLine + "\n]\n", "", ExportReport{Written: 1, System: true}},
		{"array_mixed", FormatShareGPT, []Conversation{good, bad, warned}, "[\n" + goodLine + ",\n" + warnedLine + "\n]\n", badLine,
			ExportReport{Written: 2, Invalid: 1, Warnings: 1, System: true, Tools: true}},
		{"jsonl_mixed", FormatShareGPTJSONL, []Conversation{bad, good, warned}, goodLine + "\n" + warnedLine + "\n", badLine,
			ExportReport{Written: 2, Invalid: 1, Warnings: 1, System: true, Tools: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, invalid bytes.Buffer
			w := NewShareGPTWriter(&out, &invalid, tt.format, ShareGPTOptions{})
			for _, c := range tt.convs {
				if err := w.Write(c); err != nil {
					t.Fatalf("Write(%d) = %v", c.ID, err)
				}
			}
			report, err := w.Close()
			if err != nil {
				t.Fatalf("Close() = %v", err)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("dataset mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantInvalid, invalid.String()); diff != "" {
				t.Errorf("invalid lines mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReport, report); diff != "" {
				t.Errorf("Close() report mismatch (-want +got):\n%s", diff)
			}
			checkShareGPTFile(t, tt.format, out.Bytes(), report.Written)
		})
	}
}

// checkShareGPTFile decodes a written dataset as a trainer would and validates
// every record.
func checkShareGPTFile(t *testing.T, format ExportFormat, data []byte, want int) {
	t.Helper()
	var recs []*ShareGPTRecord
	if format == FormatShareGPT {
		if err := json.Unmarshal(data, &recs); err != nil {
			t.Fatalf("dataset is not a JSON array: %v\n%s", err, data)
		}
	} else {
		for line := range strings.Lines(string(data)) {
			var r ShareGPTRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("dataset line %q: %v", line, err)
			}
			recs = append(recs, &r)
		}
	}
	if len(recs) != want {
		t.Errorf("dataset holds %d records, want %d", len(recs), want)
	}
	for i, r := range recs {
		if err := ValidateShareGPT(r); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestShareGPTWriterErrors(t *testing.T) {
	conv := Conversation{ID: 1, Messages: []Message{{Role: RoleUser, Content: "a"}, {Role: RoleAssistant, Content: "b"}}}
	bad := Conversation{ID: 2}
	errDisk := errors.New("disk full")
	tests := []struct {
		name    string
		w       failingWriter
		invalid failingWriter
		format  ExportFormat
		conv    Conversation
		want    error
	}{
		{"dataset_write_fails", failingWriter{errDisk}, failingWriter{}, FormatShareGPTJSONL, conv, errDisk},
		{"invalid_write_fails", failingWriter{}, failingWriter{errDisk}, FormatShareGPT, bad, errDisk},
		{"unknown_format", failingWriter{}, failingWriter{}, "csv", conv, ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewShareGPTWriter(tt.w, tt.invalid, tt.format, ShareGPTOptions{})
			if err := w.Write(tt.conv); !errors.Is(err, tt.want) {
				t.Errorf("Write() = %v, want %v", err, tt.want)
			}
			if _, err := w.Close(); !errors.Is(err, tt.want) {
				t.Errorf("Close() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestShareGPTWriterNilInvalid(t *testing.T) {
	var out bytes.Buffer
	w := NewShareGPTWriter(&out, nil, FormatShareGPT, ShareGPTOptions{})
	if err := w.Write(Conversation{ID: 1}); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	report, err := w.Close()
	if err != nil || report.Invalid != 1 || out.String() != "[]\n" {
		t.Errorf("Close() = %+v, %v, file %q; want 1 invalid, no error, []", report, err, out.String())
	}
}
