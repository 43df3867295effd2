package dataset

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// FormatSpec describes one export format: the list that `llmtap export --help`,
// the API's format list, the Export dialog and drag-out all read. A format is a
// writer plus its validator, in its own file (issue 12); adding one is adding its
// file and its row in Formats.
type FormatSpec struct {
	Format ExportFormat `json:"format"`
	// Label names the format in the Export dialog.
	Label string `json:"label"`
	// Help is the one line `llmtap export --help` gives it.
	Help string `json:"help"`
	// Ext is the default file extension, with its dot.
	Ext string `json:"ext"`
	// MIME is the media type of a download or a dragged file.
	MIME string `json:"mime"`
	// Pairs is set for a format written from preference pairs, not conversations.
	Pairs bool `json:"pairs"`
	// Masks is set for a format that can mark one assistant turn not to train on:
	// its export keeps the rounds of turns marked "don't train", with NoTrain set,
	// where the others leave those rounds out.
	Masks bool `json:"masks"`
	// Sidecars returns the files written beside a dataset file named name (a base
	// name), such as a trainer's config snippet that loads it; nil for none.
	Sidecars func(name string) []Sidecar `json:"-"`
}

// Sidecar is a file written beside a dataset file: its name is the dataset file's
// name followed by Suffix.
type Sidecar struct {
	Suffix string
	Data   []byte
}

// Formats returns every export format, in the order the UI and help list them.
// The slice is new on each call; the caller may keep or change it.
func Formats() []FormatSpec {
	return []FormatSpec{
		{Format: FormatShareGPT, Label: "ShareGPT JSON (LLaMA-Factory)", Ext: ".json", MIME: "application/json",
			Help: "LLaMA-Factory sharegpt records in one JSON array"},
		{Format: FormatShareGPTJSONL, Label: "ShareGPT JSONL (one record per line)", Ext: ".jsonl", MIME: "application/x-ndjson",
			Help: "LLaMA-Factory sharegpt records, one per line"},
		{Format: FormatOpenAIJSONL, Label: "OpenAI fine-tuning JSONL", Ext: ".jsonl", MIME: "application/x-ndjson", Masks: true,
			Help: "OpenAI chat fine-tuning lines (also Azure, Together, Fireworks): messages, tool_calls, tools, weight"},
		{Format: FormatMessagesJSONL, Label: "Messages JSONL (axolotl, TRL, Unsloth)", Ext: ".jsonl", MIME: "application/x-ndjson", Masks: true,
			Sidecars: messagesSidecars,
			Help:     "role/content messages for axolotl chat_template, TRL, Unsloth; writes FILE.axolotl.yaml and FILE.dataset_info.json beside it"},
		{Format: FormatPreference, Label: "DPO pairs JSONL (LLaMA-Factory ranking)", Ext: ".jsonl", MIME: "application/x-ndjson", Pairs: true,
			Help: "preference pairs in LLaMA-Factory's ranking sharegpt layout, one per line"},
	}
}

// LookupFormat returns the spec of f, or an error wrapping ErrUnknownFormat that
// lists the formats there are.
func LookupFormat(f ExportFormat) (FormatSpec, error) {
	for _, s := range Formats() {
		if s.Format == f {
			return s, nil
		}
	}
	return FormatSpec{}, fmt.Errorf("format %q: %w: must be %s", f, ErrUnknownFormat, FormatNames())
}

// FormatNames lists the format names for a message: "a, b or c".
func FormatNames() string {
	specs := Formats()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = string(s.Format)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// RecordWriter streams conversations into a dataset file in one format. A
// conversation that cannot become a valid record is counted and described as an
// InvalidRecord line on the invalid writer, never dropped silently. It is not safe
// for concurrent use.
type RecordWriter interface {
	// Write converts c and writes its record, or its InvalidRecord line; an invalid
	// conversation is not an error. It returns the first error of an underlying
	// writer, and keeps returning it.
	Write(c Conversation) error
	// Close ends the file and returns the report. It does not close the
	// underlying writers.
	Close() (ExportReport, error)
}

// NewRecordWriter returns the writer of conversations in format f to w, with the
// invalid conversations described on invalid (nil only counts them). A format
// written from preference pairs has no RecordWriter (see NewPreferenceWriter).
func NewRecordWriter(f ExportFormat, w, invalid io.Writer, opt ShareGPTOptions) (RecordWriter, error) {
	switch f {
	case FormatShareGPT, FormatShareGPTJSONL:
		return NewShareGPTWriter(w, invalid, f, opt), nil
	case FormatOpenAIJSONL:
		return &lineWriter{w: w, invalid: invalid, format: f, opt: opt, convert: convertOpenAI}, nil
	case FormatMessagesJSONL:
		return &lineWriter{w: w, invalid: invalid, format: f, opt: opt, convert: convertMessages}, nil
	}
	if _, err := LookupFormat(f); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("format %q is written from preference pairs: %w", f, ErrUnknownFormat)
}

// converted is a record ready to encode and what the report says of it.
type converted struct {
	rec           any
	system, tools bool
	warned        bool
}

// lineWriter is the RecordWriter of a JSON Lines format whose records a convert
// function makes (and checks with the format's validator).
type lineWriter struct {
	w, invalid io.Writer
	format     ExportFormat
	opt        ShareGPTOptions
	convert    func(Conversation, ShareGPTOptions) (converted, error)
	report     ExportReport
	err        error // the first write error; it sticks
}

func (lw *lineWriter) Write(c Conversation) error {
	if lw.err != nil {
		return lw.err
	}
	rec, err := lw.convert(c, lw.opt)
	if err != nil {
		lw.report.Invalid++
		if lw.invalid == nil {
			return nil
		}
		b, _ := marshalNoEscape(InvalidRecord{ID: c.ID, Title: c.Title, Reason: err.Error()})
		return lw.write(lw.invalid, append(b, '\n'))
	}
	b, err := marshalNoEscape(rec.rec)
	if err != nil {
		lw.err = fmt.Errorf("encode %s record of conversation %d: %w", lw.format, c.ID, err)
		return lw.err
	}
	if err := lw.write(lw.w, append(b, '\n')); err != nil {
		return err
	}
	lw.report.Written++
	if rec.warned {
		lw.report.Warnings++
	}
	lw.report.System = lw.report.System || rec.system
	lw.report.Tools = lw.report.Tools || rec.tools
	return nil
}

func (lw *lineWriter) Close() (ExportReport, error) { return lw.report, lw.err }

func (lw *lineWriter) write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		lw.err = fmt.Errorf("write %s dataset: %w", lw.format, err)
		return lw.err
	}
	return nil
}

// errNoTrainedAnswer is the reason of a record with no assistant turn to learn.
var errNoTrainedAnswer = errors.New("no assistant answer to train on")
