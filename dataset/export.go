package dataset

import (
	"errors"
	"fmt"
	"io"
)

// ExportFormat names a dataset file format.
type ExportFormat string

// The export formats.
const (
	// FormatShareGPT is a JSON array of ShareGPT records, one record per line.
	FormatShareGPT ExportFormat = "sharegpt"
	// FormatShareGPTJSONL is one ShareGPT record per line (JSON Lines).
	FormatShareGPTJSONL ExportFormat = "sharegpt-jsonl"
)

// ErrUnknownFormat is returned by a writer given an export format it does not write.
var ErrUnknownFormat = errors.New("unknown export format")

// ExportReport counts what a writer did.
type ExportReport struct {
	// Written is the number of records written to the dataset.
	Written int `json:"written"`
	// Invalid is the number of conversations rejected, each one described on the
	// invalid writer.
	Invalid int `json:"invalid"`
	// Warnings is the number of written records the conversion had to leave
	// something out of (such as text beside tool calls).
	Warnings int `json:"warnings"`
	// System and Tools tell whether any written record has a top-level "system" or
	// "tools" field, so a dataset_info.json entry can name exactly those columns.
	System bool `json:"system"`
	Tools  bool `json:"tools"`
	// PairsByRule counts the preference pairs an export took by the rule that chose
	// their answer (PairRule); nil for a format without pairs.
	PairsByRule map[PairRule]int `json:"pairsByRule,omitempty"`
	// Fixes counts the records written only after a fix (RepairWriter: joined
	// answers, parsed arguments, a cut), by fix; each is described on the invalid
	// writer too.
	Fixes map[string]int `json:"fixes,omitempty"`
	// Images tells whether any written record has an "images" column.
	Images bool `json:"images"`
}

// InvalidRecord is the line a writer puts on its invalid writer for a conversation
// it could not turn into a record.
type InvalidRecord struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
	// Fix, when set, says what was done so the conversation could be written after
	// all (RepairWriter): the record is in the dataset, changed as it says.
	Fix string `json:"fix,omitempty"`
}

// ShareGPTWriter streams conversations into a ShareGPT dataset file, one record at
// a time, in UTF-8 without HTML escaping. A conversation that cannot become a valid
// record is never dropped silently: it is counted and described as an InvalidRecord
// line on the invalid writer. A ShareGPTWriter is not safe for concurrent use.
type ShareGPTWriter struct {
	w       io.Writer
	invalid io.Writer
	format  ExportFormat
	opt     ShareGPTOptions
	report  ExportReport
	err     error // the first write error; it sticks
	closed  bool
}

// NewShareGPTWriter returns a writer of records to w in the given format. Invalid
// conversations are described on invalid as JSON lines; a nil invalid only counts
// them. The caller owns w and invalid and closes them after Close.
func NewShareGPTWriter(w, invalid io.Writer, format ExportFormat, opt ShareGPTOptions) *ShareGPTWriter {
	sw := &ShareGPTWriter{w: w, invalid: invalid, format: format, opt: opt}
	if format != FormatShareGPT && format != FormatShareGPTJSONL {
		sw.err = fmt.Errorf("write %q: %w", format, ErrUnknownFormat)
	}
	return sw
}

// Write converts c and writes its record, or its InvalidRecord line when c cannot
// be converted; an invalid conversation is not an error. Write returns the first
// error of an underlying writer, and keeps returning it.
func (sw *ShareGPTWriter) Write(c Conversation) error {
	if sw.err != nil {
		return sw.err
	}
	if sw.closed {
		return errors.New("write sharegpt record: writer is closed")
	}
	rec, err := convertShareGPT(c, sw.opt)
	if err != nil {
		sw.report.Invalid++
		if sw.invalid == nil {
			return nil
		}
		b, _ := marshalNoEscape(InvalidRecord{ID: c.ID, Title: c.Title, Reason: err.Error()})
		return sw.write(sw.invalid, append(b, '\n'))
	}
	b, err := marshalNoEscape(rec)
	if err != nil {
		sw.err = fmt.Errorf("encode sharegpt record of conversation %d: %w", c.ID, err)
		return sw.err
	}
	// In an array, each record is followed by the next one's separator or by the
	// closing bracket, so the file is valid JSON at every record count.
	var line []byte
	switch {
	case sw.format == FormatShareGPTJSONL:
		line = append(b, '\n')
	case sw.report.Written == 0:
		line = append([]byte("[\n"), b...)
	default:
		line = append([]byte(",\n"), b...)
	}
	if err := sw.write(sw.w, line); err != nil {
		return err
	}
	sw.report.Written++
	if len(rec.Warnings) > 0 {
		sw.report.Warnings++
	}
	sw.report.System = sw.report.System || rec.System != ""
	sw.report.Tools = sw.report.Tools || rec.Tools != ""
	sw.report.Images = sw.report.Images || len(rec.Images) > 0
	return nil
}

// Close ends the file (the closing bracket of a JSON array, or "[]" when no record
// was written) and returns the report. It does not close the underlying writers.
func (sw *ShareGPTWriter) Close() (ExportReport, error) {
	if sw.closed || sw.err != nil {
		return sw.report, sw.err
	}
	sw.closed = true
	if sw.format == FormatShareGPT {
		end := "\n]\n"
		if sw.report.Written == 0 {
			end = "[]\n"
		}
		if err := sw.write(sw.w, []byte(end)); err != nil {
			return sw.report, err
		}
	}
	return sw.report, nil
}

func (sw *ShareGPTWriter) write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		sw.err = fmt.Errorf("write %s dataset: %w", sw.format, err)
		return sw.err
	}
	return nil
}
