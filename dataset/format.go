package dataset

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
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
	// Aliases are other names LookupFormat takes for the format.
	Aliases []ExportFormat `json:"aliases,omitempty"`
	// Reasoning is set for a format with a field of its own for an answer's
	// reasoning (ReasoningField).
	Reasoning bool `json:"reasoning"`
	// AllStatuses is set for a format that labels rejected conversations (KTO):
	// an export that names no status takes every conversation.
	AllStatuses bool `json:"allStatuses"`
	// Row is a zero record of the format, the row type of its Parquet files; nil
	// for a format with no Parquet layout.
	Row any `json:"-"`
	// Parquet is set for a format with a Parquet layout (Row), which a dataset
	// folder export takes.
	Parquet bool `json:"parquet"`

	// convert makes the record of a conversation, convertPair that of a preference
	// pair; a format has one or (kto) both.
	convert     func(Conversation, ShareGPTOptions) (converted, error)
	convertPair func(PreferencePair, ShareGPTOptions) (converted, error)
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
	specs := formats()
	for i := range specs {
		specs[i].Parquet = specs[i].Row != nil
	}
	return specs
}

func formats() []FormatSpec {
	return []FormatSpec{
		{Format: FormatShareGPT, convert: convertShareGPTRecord, Label: "ShareGPT JSON (LLaMA-Factory)", Ext: ".json", MIME: "application/json", Row: ShareGPTRecord{},
			Help: "LLaMA-Factory sharegpt records in one JSON array"},
		{Format: FormatShareGPTJSONL, convert: convertShareGPTRecord, Label: "ShareGPT JSONL (one record per line)", Ext: ".jsonl", MIME: "application/x-ndjson", Row: ShareGPTRecord{},
			Help: "LLaMA-Factory sharegpt records, one per line"},
		{Format: FormatOpenAIJSONL, convert: convertOpenAI, Label: "OpenAI fine-tuning JSONL", Ext: ".jsonl", MIME: "application/x-ndjson", Masks: true,
			Help: "OpenAI chat fine-tuning lines (also Azure, Together, Fireworks): messages, tool_calls, tools, weight, image_url parts"},
		{Format: FormatMessagesJSONL, convert: convertMessages, Label: "Messages JSONL (axolotl, TRL, Unsloth)", Ext: ".jsonl", MIME: "application/x-ndjson", Masks: true,
			Sidecars: messagesSidecars, Row: MessagesRecord{}, Reasoning: true,
			Help: "role/content messages for axolotl chat_template, TRL, Unsloth; writes FILE.axolotl.yaml and FILE.dataset_info.json beside it"},
		{Format: FormatAlpaca, convert: convertAlpaca, Label: "Alpaca JSONL (instruction, input, output, history)", Ext: ".jsonl", MIME: "application/x-ndjson", Row: AlpacaRecord{},
			Help: "alpaca records: instruction, input, output, system, history [[instruction, output], …]"},
		{Format: FormatKTO, convert: convertKTO, convertPair: convertKTOPair, Label: "KTO JSONL (LLaMA-Factory, kto_tag)", Ext: ".jsonl", MIME: "application/x-ndjson", Row: KTORecord{}, AllStatuses: true,
			Help: "LLaMA-Factory sharegpt records with a boolean kto_tag: true for kept conversations and thumbs-up answers, false for rejected ones, worse answers and thumbs-down answers"},
		{Format: FormatPreference, convertPair: convertDPO, Aliases: []ExportFormat{FormatDPOJSONL}, Label: "DPO pairs JSONL (LLaMA-Factory ranking)", Ext: ".jsonl",
			MIME: "application/x-ndjson", Pairs: true, Row: PreferenceRecord{},
			Help: "preference pairs in LLaMA-Factory's ranking sharegpt layout, one per line (also: dpo-jsonl)"},
		{Format: FormatOpenAIDPO, convertPair: convertOpenAIDPO, Label: "OpenAI DPO JSONL (preference fine-tuning)", Ext: ".jsonl", MIME: "application/x-ndjson", Pairs: true,
			Help: "preference pairs for OpenAI preference fine-tuning: input, preferred_output, non_preferred_output"},
		{Format: FormatPreferenceJSONL, convertPair: convertPreferenceMessages, Label: "Preference JSONL (TRL, axolotl)", Ext: ".jsonl", MIME: "application/x-ndjson", Pairs: true,
			Row: PreferenceMessagesRecord{}, Reasoning: true,
			Help: "preference pairs for TRL DPOTrainer and axolotl: prompt messages, chosen and rejected assistant messages"},
	}
}

// LookupFormat returns the spec of f (or of the format f is another name of), or
// an error wrapping ErrUnknownFormat that lists the formats there are.
func LookupFormat(f ExportFormat) (FormatSpec, error) {
	for _, s := range Formats() {
		if s.Format == f || slices.Contains(s.Aliases, f) {
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

// RecordSink takes the records a writer makes, for an encoding other than JSON
// (Parquet): rec is a pointer to the format's FormatSpec.Row type, id the
// conversation it comes from.
type RecordSink interface {
	WriteRecord(id int64, rec any) error
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
// written from preference pairs has no RecordWriter (see NewPairWriter).
func NewRecordWriter(f ExportFormat, w, invalid io.Writer, opt ShareGPTOptions) (RecordWriter, error) {
	spec, err := LookupFormat(f)
	if err != nil {
		return nil, err
	}
	if spec.Format == FormatShareGPT { // a JSON array, not lines
		return NewShareGPTWriter(w, invalid, spec.Format, opt), nil
	}
	return newLineWriter(spec, w, nil, invalid, opt)
}

// NewRecordSinkWriter is NewRecordWriter for records that go to sink instead of
// a file, the format's FormatSpec.Row being set.
func NewRecordSinkWriter(f ExportFormat, sink RecordSink, invalid io.Writer, opt ShareGPTOptions) (RecordWriter, error) {
	spec, err := LookupFormat(f)
	if err != nil {
		return nil, err
	}
	return newLineWriter(spec, nil, sink, invalid, opt)
}

func newLineWriter(spec FormatSpec, w io.Writer, sink RecordSink, invalid io.Writer, opt ShareGPTOptions) (RecordWriter, error) {
	if spec.convert == nil {
		return nil, fmt.Errorf("format %q is written from preference pairs: %w", spec.Format, ErrUnknownFormat)
	}
	lw := &lineWriter{w: w, sink: sink, invalid: invalid, format: spec.Format, opt: opt, convert: spec.convert, convertPair: spec.convertPair}
	if spec.convertPair != nil {
		lw.once = true
		return ktoWriter{lw}, nil
	}
	return lw, nil
}

// ktoWriter is the lineWriter of a format of conversations that also takes
// preference pairs (FormatKTO).
type ktoWriter struct{ *lineWriter }

func (k ktoWriter) WritePair(p PreferencePair) error { return k.writePair(p) }

// PairWriter streams preference pairs into a dataset file in one format, as a
// RecordWriter streams conversations.
type PairWriter interface {
	Write(p PreferencePair) error
	Close() (ExportReport, error)
}

// PairTaker is a RecordWriter that also takes the preference pairs of the
// conversations it is given (KTO: the worse answer of a pair is an undesirable
// example). The caller writes a conversation's pairs after the conversation.
type PairTaker interface {
	WritePair(p PreferencePair) error
}

// NewPairWriter returns the writer of preference pairs in format f to w, with the
// invalid pairs described on invalid (nil only counts them).
func NewPairWriter(f ExportFormat, w, invalid io.Writer, opt ShareGPTOptions) (PairWriter, error) {
	return newPairWriter(f, w, nil, invalid, opt)
}

// NewPairSinkWriter is NewPairWriter for records that go to sink.
func NewPairSinkWriter(f ExportFormat, sink RecordSink, invalid io.Writer, opt ShareGPTOptions) (PairWriter, error) {
	return newPairWriter(f, nil, sink, invalid, opt)
}

// NewPreferenceWriter is NewPairWriter of FormatPreference.
func NewPreferenceWriter(w, invalid io.Writer, opt ShareGPTOptions) PairWriter {
	pw, _ := newPairWriter(FormatPreference, w, nil, invalid, opt) // a known format
	return pw
}

func newPairWriter(f ExportFormat, w io.Writer, sink RecordSink, invalid io.Writer, opt ShareGPTOptions) (PairWriter, error) {
	spec, err := LookupFormat(f)
	if err != nil {
		return nil, err
	}
	if spec.convertPair == nil || spec.convert != nil {
		return nil, fmt.Errorf("format %q is written from conversations: %w", spec.Format, ErrUnknownFormat)
	}
	return pairWriter{&lineWriter{w: w, sink: sink, invalid: invalid, format: spec.Format, opt: opt, convertPair: spec.convertPair}}, nil
}

// pairWriter is a lineWriter seen as a PairWriter.
type pairWriter struct{ lw *lineWriter }

func (p pairWriter) Write(pp PreferencePair) error { return p.lw.writePair(pp) }
func (p pairWriter) Close() (ExportReport, error)  { return p.lw.Close() }

// converted is a record ready to encode and what the report says of it.
type converted struct {
	rec                   any
	system, tools, images bool
	warned                bool
	// more are further records the conversation makes after this one (KTO: the
	// answers a reviewer rated), each written or described on its own.
	more []extraRecord
}

// extraRecord is one of converted.more: a record, or why it cannot be one.
type extraRecord struct {
	rec converted
	err error
}

// lineWriter is the RecordWriter (or, with convertPair, the PairWriter) of a
// JSON Lines format whose records a convert function makes and checks with the
// format's validator. With a sink, the records go there instead of to w.
type lineWriter struct {
	w, invalid  io.Writer
	sink        RecordSink
	format      ExportFormat
	opt         ShareGPTOptions
	convert     func(Conversation, ShareGPTOptions) (converted, error)
	convertPair func(PreferencePair, ShareGPTOptions) (converted, error)
	report      ExportReport
	err         error // the first write error; it sticks
	// once writes each record of a conversation once (dup): seen are the hashes
	// of the lines of conversation seenID.
	once   bool
	seen   map[uint64]bool
	seenID int64
}

func (lw *lineWriter) Write(c Conversation) error {
	return lw.WritePrepared(lw.Prepare(c))
}

// Preparer is a RecordWriter whose conversion can run ahead of the writing, on
// other goroutines: Prepare converts, validates and encodes a conversation and is
// safe for concurrent use; WritePrepared writes what it made, in order, as Write
// would have.
type Preparer interface {
	Prepare(c Conversation) Prepared
	WritePrepared(p Prepared) error
}

// Prepared is a conversation converted by a Preparer, ready to write.
type Prepared struct {
	id    int64
	title string
	rec   converted
	line  []byte // the encoded record, when it goes to a file
	err   error  // why the conversation cannot become a record
	// repair is what a RepairWriter did to make the record; conv the conversation
	// itself when its writer converts as it writes.
	repair *repairNote
	conv   *Conversation
}

// Prepare converts c; it does not touch the writer's state.
func (lw *lineWriter) Prepare(c Conversation) Prepared {
	p := Prepared{id: c.ID, title: c.Title}
	p.rec, p.err = lw.convert(c, lw.opt)
	if p.err == nil && lw.sink == nil {
		b, err := marshalNoEscape(p.rec.rec)
		if err != nil {
			p.err = fmt.Errorf("encode record: %w", err)
		}
		p.line = append(b, '\n')
	}
	return p
}

// WritePrepared writes p's record, or its InvalidRecord line.
func (lw *lineWriter) WritePrepared(p Prepared) error {
	if lw.err != nil {
		return lw.err
	}
	if p.err == nil && p.line != nil {
		if lw.dup(p.id, p.line) {
			return lw.emitMore(p)
		}
		if err := lw.write(lw.w, p.line); err != nil {
			return err
		}
		lw.count(p.rec)
		return lw.emitMore(p)
	}
	if err := lw.emit(p.id, p.title, p.rec, p.err); err != nil {
		return err
	}
	return lw.emitMore(p)
}

// emitMore writes the further records of p (converted.more).
func (lw *lineWriter) emitMore(p Prepared) error {
	for _, x := range p.rec.more {
		if err := lw.emit(p.id, p.title, x.rec, x.err); err != nil {
			return err
		}
	}
	return nil
}

// dup reports whether the writer, which writes each record of a conversation once
// (KTO: a thumbs-down answer is both rated and the worse of its pairs), has written
// line for conversation id already; it remembers line otherwise. Records of one
// conversation come together, so only the current one's are kept.
func (lw *lineWriter) dup(id int64, line []byte) bool {
	if !lw.once {
		return false
	}
	if lw.seen == nil {
		lw.seen = map[uint64]bool{}
	}
	if id != lw.seenID {
		clear(lw.seen)
		lw.seenID = id
	}
	h := maphash.Bytes(lineSeed, line)
	if lw.seen[h] {
		return true
	}
	lw.seen[h] = true
	return false
}

// lineSeed seeds the hashes of lineWriter.dup.
var lineSeed = maphash.MakeSeed()

// writePair converts a preference pair and writes its record, or its
// InvalidRecord line.
func (lw *lineWriter) writePair(p PreferencePair) error {
	if lw.err != nil {
		return lw.err
	}
	if lw.convertPair == nil {
		return fmt.Errorf("format %q: %w: it is not written from preference pairs", lw.format, ErrUnknownFormat)
	}
	rec, err := lw.convertPair(p, lw.opt)
	if errors.Is(err, errPairNotTaken) {
		return nil
	}
	return lw.emit(p.ID, p.Title, rec, err)
}

// emit writes rec, or the InvalidRecord line of conversion error cerr.
func (lw *lineWriter) emit(id int64, title string, rec converted, cerr error) error {
	if cerr != nil {
		lw.report.Invalid++
		if lw.invalid == nil {
			return nil
		}
		b, _ := marshalNoEscape(InvalidRecord{ID: id, Title: title, Reason: cerr.Error()})
		return lw.write(lw.invalid, append(b, '\n'))
	}
	var line []byte
	if lw.sink == nil || lw.once {
		b, err := marshalNoEscape(rec.rec)
		if err != nil {
			lw.err = fmt.Errorf("encode %s record of conversation %d: %w", lw.format, id, err)
			return lw.err
		}
		if line = append(b, '\n'); lw.dup(id, line) {
			return nil
		}
	}
	if lw.sink != nil {
		if err := lw.sink.WriteRecord(id, rec.rec); err != nil {
			lw.err = fmt.Errorf("write %s dataset: %w", lw.format, err)
			return lw.err
		}
	} else if err := lw.write(lw.w, line); err != nil {
		return err
	}
	lw.count(rec)
	return nil
}

// count adds a written record to the report.
func (lw *lineWriter) count(rec converted) {
	lw.report.Written++
	if rec.warned {
		lw.report.Warnings++
	}
	lw.report.System = lw.report.System || rec.system
	lw.report.Tools = lw.report.Tools || rec.tools
	lw.report.Images = lw.report.Images || rec.images
}

func (lw *lineWriter) Close() (ExportReport, error) { return lw.report, lw.err }

func (lw *lineWriter) write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		lw.err = fmt.Errorf("write %s dataset: %w", lw.format, err)
		return lw.err
	}
	return nil
}

// convertedAs runs convert on c and returns its record as R, or an error
// wrapping ErrInvalidRecord that names the conversation: the exported ToX
// functions.
func convertedAs[R any](c Conversation, opt ShareGPTOptions, convert func(Conversation, ShareGPTOptions) (converted, error)) (R, error) {
	r, err := convert(c, opt)
	if err != nil {
		var zero R
		return zero, fmt.Errorf("conversation %d: %w: %w", c.ID, ErrInvalidRecord, err)
	}
	return r.rec.(R), nil
}

// invalidRecord wraps a validator's reason in ErrInvalidRecord; nil stays nil.
func invalidRecord(err error) error {
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return nil
}

// checkedRecord encodes rec and checks the line with validate: the converters'
// last step, which catches a converter bug before a trainer does.
func checkedRecord(rec any, validate func([]byte) error) error {
	b, err := marshalNoEscape(rec)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	return validate(b)
}

// errNoTrainedAnswer is the reason of a record with no assistant turn to learn.
var errNoTrainedAnswer = errors.New("no assistant answer to train on")
