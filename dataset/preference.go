package dataset

import (
	"errors"
	"fmt"
	"io"
)

// FormatPreference is one preference pair per line (JSON Lines) in LLaMA-Factory's
// ranking ShareGPT format: a dataset_info.json entry with "ranking": true,
// "formatting": "sharegpt" and the columns messages → "conversations", chosen →
// "chosen", rejected → "rejected" reads it for DPO, ORPO or reward-model training.
const FormatPreference ExportFormat = "dpo-jsonl"

// PreferencePair is a prompt with a better and a worse answer to it: answers that
// are siblings in a conversation (one marked preferred, or the client's edited copy
// of another), or an answer a person edited and its captured text.
type PreferencePair struct {
	// ID and Title name the conversation the pair comes from.
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Tools string `json:"tools,omitempty"`
	// History is everything before the answers: system prompt, then turns ending
	// with the user turn or tool results the answers reply to.
	History  []Message `json:"history"`
	Chosen   Message   `json:"chosen"`
	Rejected Message   `json:"rejected"`
	// Rule is the signal that made Chosen the better answer (pairs.go).
	Rule PairRule `json:"rule,omitempty"`
}

// PreferenceRecord is one line of a FormatPreference file.
type PreferenceRecord struct {
	// Conversations is the prompt: an odd number of turns ending with "human" or
	// "observation".
	Conversations []ShareGPTTurn `json:"conversations"`
	Chosen        ShareGPTTurn   `json:"chosen"`
	Rejected      ShareGPTTurn   `json:"rejected"`
	System        string         `json:"system,omitempty"`
	Tools         string         `json:"tools,omitempty"`
}

// ToPreference turns p into a record, or returns an error wrapping
// ErrInvalidRecord. The history maps as ToShareGPT maps a conversation (its opener
// goes by opt.Opener and is never one of the answers); both answers must be valid
// assistant turns after it, and differ.
func ToPreference(p PreferencePair, opt ShareGPTOptions) (*PreferenceRecord, error) {
	rec, err := convertPreference(p, opt)
	if err != nil {
		return nil, fmt.Errorf("preference pair of conversation %d: %w: %w", p.ID, ErrInvalidRecord, err)
	}
	return rec, nil
}

func convertPreference(p PreferencePair, opt ShareGPTOptions) (*PreferenceRecord, error) {
	rec := &PreferenceRecord{}
	var err error
	if rec.Tools, err = shareGPTTools(p.Tools); err != nil {
		return nil, err
	}
	o := SplitOpening(p.History)
	named := named(opt.Names, append(p.History[:len(p.History):len(p.History)], p.Chosen, p.Rejected))
	turns, _, err := shareGPTTurns(o.Rest, o.Offset, named)
	if err != nil {
		return nil, err
	}
	if n := len(turns); n == 0 || (turns[n-1].From != TagHuman && turns[n-1].From != TagObservation) {
		return nil, errors.New("the history does not end with a user turn or tool results")
	}
	pos := len(p.History) + 1
	if rec.Chosen, _, err = assistantTurn(p.Chosen, pos, named); err != nil {
		return nil, fmt.Errorf("chosen answer: %w", err)
	}
	if rec.Rejected, _, err = assistantTurn(p.Rejected, pos, named); err != nil {
		return nil, fmt.Errorf("rejected answer: %w", err)
	}
	if rec.Chosen == rec.Rejected {
		return nil, errors.New("the chosen and rejected answers are the same")
	}
	// The independent check of a whole ShareGPT record covers the prompt's shape.
	if err := validateShareGPT(&ShareGPTRecord{Conversations: append(turns[:len(turns):len(turns)], rec.Chosen), Tools: rec.Tools}); err != nil {
		return nil, err
	}
	rec.System, rec.Conversations = placeSystem(opt, o, named, turns)
	return rec, nil
}

// PreferenceWriter streams preference pairs into a FormatPreference file, one
// record per line. Like ShareGPTWriter, a pair that cannot become a valid record is
// counted and described as an InvalidRecord line on the invalid writer, never
// dropped silently. It is not safe for concurrent use.
type PreferenceWriter struct {
	w, invalid io.Writer
	opt        ShareGPTOptions
	report     ExportReport
	err        error // the first write error; it sticks
}

// NewPreferenceWriter returns a writer of records to w; invalid pairs are described
// on invalid (nil only counts them). The caller owns both writers.
func NewPreferenceWriter(w, invalid io.Writer, opt ShareGPTOptions) *PreferenceWriter {
	return &PreferenceWriter{w: w, invalid: invalid, opt: opt}
}

// Write converts p and writes its record, or its InvalidRecord line; an invalid
// pair is not an error. Write returns the first error of an underlying writer.
func (pw *PreferenceWriter) Write(p PreferencePair) error {
	if pw.err != nil {
		return pw.err
	}
	rec, err := convertPreference(p, pw.opt)
	if err != nil {
		pw.report.Invalid++
		if pw.invalid == nil {
			return nil
		}
		b, _ := marshalNoEscape(InvalidRecord{ID: p.ID, Title: p.Title, Reason: err.Error()})
		return pw.write(pw.invalid, append(b, '\n'))
	}
	b, err := marshalNoEscape(rec)
	if err != nil {
		pw.err = fmt.Errorf("encode preference record of conversation %d: %w", p.ID, err)
		return pw.err
	}
	if err := pw.write(pw.w, append(b, '\n')); err != nil {
		return err
	}
	pw.report.Written++
	pw.report.System = pw.report.System || rec.System != ""
	pw.report.Tools = pw.report.Tools || rec.Tools != ""
	return nil
}

// Close returns the report; JSON Lines need no closing. It does not close the
// underlying writers.
func (pw *PreferenceWriter) Close() (ExportReport, error) { return pw.report, pw.err }

func (pw *PreferenceWriter) write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		pw.err = fmt.Errorf("write %s dataset: %w", FormatPreference, err)
		return pw.err
	}
	return nil
}
