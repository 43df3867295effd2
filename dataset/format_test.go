package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// formatGolden is what a format makes of a golden input: its record as written,
// or the reason it is invalid.
type formatGolden struct {
	Record json.RawMessage `json:"record,omitempty"`
	Error  string          `json:"error,omitempty"`
	// More are the further records of the conversation (kto: the answers a
	// reviewer rated), in the order written.
	More []json.RawMessage `json:"more,omitempty"`
}

// TestFormatsGolden writes every golden input of testdata/formats in every format
// written from conversations, to testdata/formats/<case>.<format>.golden.json.
func TestFormatsGolden(t *testing.T) {
	eachGoldenInput(t, filepath.Join("testdata", "formats"), func(spec FormatSpec) bool {
		return !spec.Pairs && spec.Format != FormatShareGPT // sharegpt-jsonl holds the same records
	}, func(t *testing.T, spec FormatSpec, base string, in shareGPTInput) {
		opt := in.options()
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
		var lines [][]byte
		if b := bytes.TrimSpace(out.Bytes()); len(b) > 0 {
			lines = bytes.Split(b, []byte("\n"))
		}
		if report.Invalid == 1 {
			var rec InvalidRecord
			if err := json.Unmarshal(invalid.Bytes(), &rec); err != nil {
				t.Fatalf("invalid line %q: %v", invalid.String(), err)
			}
			got.Error = rec.Reason
		} else {
			got.Record, lines = lines[0], lines[1:]
		}
		for _, l := range lines {
			got.More = append(got.More, l)
		}
		if report.Written != len(got.More)+min(len(got.Record), 1) || report.Invalid > 1 {
			t.Errorf("report %+v for %d records written", report, len(got.More)+min(len(got.Record), 1))
		}
		for _, l := range append([]json.RawMessage{got.Record}, got.More...) {
			if err := validateLine(spec.Format, l); len(l) > 0 && err != nil {
				t.Errorf("the %s validator rejects the writer's own line: %v", spec.Format, err)
			}
		}
		checkGolden(t, base+"."+string(spec.Format)+".golden.json", got)
	})
}

// eachGoldenInput runs test, as a subtest per format and case, for every format
// formats takes and every golden input <case>.in.json in dir; base is the path of
// the case without its suffix.
func eachGoldenInput(t *testing.T, dir string, formats func(FormatSpec) bool, test func(t *testing.T, spec FormatSpec, base string, in shareGPTInput)) {
	for _, spec := range Formats() {
		if !formats(spec) {
			continue
		}
		for _, name := range goldenCases(t, dir, ".in.json") {
			t.Run(strings.ReplaceAll(string(spec.Format), "-", "_")+"/"+name, func(t *testing.T) {
				base := filepath.Join(dir, name)
				var in shareGPTInput
				if err := json.Unmarshal(readFile(t, base+".in.json"), &in); err != nil {
					t.Fatal(err)
				}
				test(t, spec, base, in)
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
	case FormatAlpaca:
		return ValidateAlpaca(line)
	case FormatKTO:
		return ValidateKTO(line)
	case FormatOpenAIDPO:
		return ValidateOpenAIDPO(line)
	case FormatPreferenceJSONL:
		return ValidatePreferenceMessages(line)
	case FormatPreference:
		return ValidatePreference(line)
	}
	var rec ShareGPTRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return err
	}
	return ValidateShareGPT(&rec)
}

// TestPairFormatsGolden writes the preference pairs of every golden input of
// testdata/formats/pairs in every format written from pairs, and in kto (the
// worse answer as an undesirable example), to <case>.<format>.golden.json: one
// record or reason per pair.
func TestPairFormatsGolden(t *testing.T) {
	eachGoldenInput(t, filepath.Join("testdata", "formats", "pairs"), func(spec FormatSpec) bool {
		return spec.Pairs || spec.Format == FormatKTO
	}, func(t *testing.T, spec FormatSpec, base string, in shareGPTInput) {
		var out, invalid bytes.Buffer
		var write func(PreferencePair) error
		var closeW func() (ExportReport, error)
		if spec.Pairs {
			w, err := NewPairWriter(spec.Format, &out, &invalid, in.options())
			if err != nil {
				t.Fatal(err)
			}
			write, closeW = w.Write, w.Close
		} else {
			w, err := NewRecordWriter(spec.Format, &out, &invalid, in.options())
			if err != nil {
				t.Fatal(err)
			}
			write, closeW = w.(PairTaker).WritePair, w.Close
		}
		taken := 0
		for _, p := range in.Pairs {
			if err := write(p); err != nil {
				t.Fatal(err)
			}
			if spec.Pairs || KTOTakes(p.Rule) {
				taken++
			}
		}
		report, err := closeW()
		if err != nil || report.Written+report.Invalid != taken {
			t.Fatalf("report %+v, %v for %d pairs taken", report, err, taken)
		}
		var got []formatGolden
		for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if err := validateLine(spec.Format, line); err != nil {
				t.Errorf("the %s validator rejects the writer's own line: %v", spec.Format, err)
			}
			got = append(got, formatGolden{Record: line})
		}
		for _, line := range bytes.Split(bytes.TrimSpace(invalid.Bytes()), []byte("\n")) {
			var rec InvalidRecord
			if len(line) > 0 && json.Unmarshal(line, &rec) == nil {
				got = append(got, formatGolden{Error: rec.Reason})
			}
		}
		checkGolden(t, base+"."+string(spec.Format)+".golden.json", got)
	})
}

func TestNewRecordWriterUnknown(t *testing.T) {
	for _, f := range []ExportFormat{"csv", FormatPreference, FormatDPOJSONL, FormatOpenAIDPO} {
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

// TestMessagesRoundTrip reads written messages-jsonl lines back with the OpenAI
// chat parser (the layout is OpenAI's, with tools as a JSON string and a train
// flag), as a request body, and writes them again: the same line.
func TestMessagesRoundTrip(t *testing.T) {
	dir := filepath.Join("testdata", "formats")
	for _, name := range []string{"openai_tools", "anthropic_tools", "gemini_tools_parallel", "reasoning", "reasoning_multi"} {
		t.Run(name, func(t *testing.T) {
			var in shareGPTInput
			if err := json.Unmarshal(readFile(t, filepath.Join(dir, name+".in.json")), &in); err != nil {
				t.Fatal(err)
			}
			first := writeOne(t, FormatMessagesJSONL, in.Conversation)
			var rec struct {
				Messages []map[string]any `json:"messages"`
				Tools    string           `json:"tools"`
			}
			if err := json.Unmarshal(first, &rec); err != nil {
				t.Fatal(err)
			}
			req := map[string]any{"model": "m", "messages": rec.Messages}
			for _, m := range rec.Messages {
				delete(m, "train")
			}
			if rec.Tools != "" {
				req["tools"] = json.RawMessage(rec.Tools)
			}
			body, _ := json.Marshal(req)
			round, err := ParseOpenAIChat(body, nil)
			if err != nil {
				t.Fatalf("ParseOpenAIChat(%s) = %v", body, err)
			}
			// The reasoning of earlier answers was left out of the line; that of the
			// last one came back from reasoning_content.
			second := writeOne(t, FormatMessagesJSONL, Conversation{ID: 1, Messages: round.Messages, Tools: round.Tools})
			if !bytes.Equal(first, second) {
				t.Errorf("read back and written again:\n%s\nwant\n%s", second, first)
			}
		})
	}
}

// TestAlpacaRoundTrip reads written alpaca lines back as a conversation (system,
// history rounds, instruction and output) and writes them again: the same line.
func TestAlpacaRoundTrip(t *testing.T) {
	dir := filepath.Join("testdata", "formats")
	for _, name := range []string{"alpaca_multiturn", "trailing_user_dropped", "reasoning_multi", "images"} {
		t.Run(name, func(t *testing.T) {
			var in shareGPTInput
			if err := json.Unmarshal(readFile(t, filepath.Join(dir, name+".in.json")), &in); err != nil {
				t.Fatal(err)
			}
			first, err := ToAlpaca(in.Conversation, ShareGPTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := Conversation{ID: 1}
			if first.System != "" {
				c.Messages = append(c.Messages, Message{Role: RoleSystem, Content: first.System})
			}
			for _, h := range append(first.History, []string{first.Instruction, first.Output}) {
				c.Messages = append(c.Messages, Message{Role: RoleUser, Content: h[0]}, Message{Role: RoleAssistant, Content: h[1]})
			}
			second, err := ToAlpaca(c, ShareGPTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("read back and written again (-first +second):\n%s", diff)
			}
		})
	}
}
