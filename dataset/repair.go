package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The fixes a RepairWriter applies, as ExportReport.Fixes and InvalidRecord.Fix
// name them.
const (
	// FixJoinAnswers joined assistant messages in a row (a continuation stored
	// apart, a frontend that sends one reply as two) into one answer.
	FixJoinAnswers = "joined consecutive answers"
	// FixParseArguments parsed tool call arguments sent as a JSON string holding
	// the arguments object (encoded twice).
	FixParseArguments = "parsed argument strings"
	// FixCut cut the conversation after its last round a format could hold.
	FixCut = "cut"
)

// maxCuts bounds how many shorter versions of one conversation a RepairWriter
// tries: a conversation's later rounds are tried first, and a record is cut at the
// first round that fails in nearly every case.
const maxCuts = 64

// RepairWriter writes conversations with a format's writer, and never drops one
// whole for a round no format can hold: a conversation the writer refuses is
// repaired where that is safe (Repair) and tried again, and else cut after its
// last round the writer takes (the rounds before the one that failed). Each fix is
// described on the invalid writer as an InvalidRecord line with Fix set, and
// counted in the report's Fixes; only what cannot be written at all (not one round)
// counts as Invalid. A valid conversation costs nothing more.
//
// It is a Preparer: the conversion, and the repair of what the format refuses, can
// run on other goroutines (Prepare), the writing stays in order (WritePrepared).
// Of a format that also takes preference pairs (KTO), Pairs is the PairTaker.
// Not safe for concurrent use, except Prepare.
type RepairWriter struct {
	inner   RecordWriter
	prep    Preparer     // inner as a Preparer; nil when it converts as it writes
	pairs   PairTaker    // inner as a PairTaker; nil for a format without pairs
	refused bytes.Buffer // the inner writer's invalid lines
	invalid io.Writer
	fixes   map[string]int
	dropped int
	err     error
}

// repairNote is what a RepairWriter's Prepare did to a conversation the format
// refused: the format's reason, and the fixes that made it writable, or dropped
// when none did.
type repairNote struct {
	reason  string
	fixes   []string
	dropped bool
}

// NewRepairWriter returns a RepairWriter of format f to w; invalid gets the
// InvalidRecord lines of what could not be written and of every fix (nil only
// counts them). It fails as NewRecordWriter does.
func NewRepairWriter(f ExportFormat, w, invalid io.Writer, opt ShareGPTOptions) (*RepairWriter, error) {
	rw := &RepairWriter{invalid: invalid}
	inner, err := NewRecordWriter(f, w, &rw.refused, opt)
	if err != nil {
		return nil, err
	}
	return rw.wrap(inner), nil
}

// NewRepairSinkWriter is NewRepairWriter for records that go to sink
// (NewRecordSinkWriter).
func NewRepairSinkWriter(f ExportFormat, sink RecordSink, invalid io.Writer, opt ShareGPTOptions) (*RepairWriter, error) {
	rw := &RepairWriter{invalid: invalid}
	inner, err := NewRecordSinkWriter(f, sink, &rw.refused, opt)
	if err != nil {
		return nil, err
	}
	return rw.wrap(inner), nil
}

func (rw *RepairWriter) wrap(inner RecordWriter) *RepairWriter {
	rw.inner = inner
	rw.prep, _ = inner.(Preparer)
	rw.pairs, _ = inner.(PairTaker)
	return rw
}

// Write writes c, repaired or cut when the format's writer refuses it as it is.
func (rw *RepairWriter) Write(c Conversation) error {
	if rw.prep != nil {
		return rw.WritePrepared(rw.Prepare(c))
	}
	if rw.err != nil {
		return rw.err
	}
	ok, reason, err := rw.try(c)
	if err != nil || ok {
		return err
	}
	fixes, ok, err := repairSearch(c, func(c Conversation) (bool, error) {
		ok, _, err := rw.try(c)
		return ok, err
	})
	if err != nil {
		return err
	}
	if ok {
		return rw.note(c.ID, c.Title, reason, fixes)
	}
	rw.dropped++
	return rw.line(InvalidRecord{ID: c.ID, Title: c.Title, Reason: reason})
}

// Prepare converts c as Write would write it, repaired or cut when the format
// refuses it as it is; it does not touch the writer's state and is safe for
// concurrent use. Of a format that converts as it writes (sharegpt's JSON array),
// the conversion waits for WritePrepared.
func (rw *RepairWriter) Prepare(c Conversation) Prepared {
	if rw.prep == nil {
		return Prepared{id: c.ID, title: c.Title, conv: &c}
	}
	p := rw.prep.Prepare(c)
	if p.err == nil {
		return p
	}
	note := &repairNote{reason: p.err.Error()}
	var got Prepared
	fixes, ok, _ := repairSearch(c, func(c Conversation) (bool, error) {
		got = rw.prep.Prepare(c)
		return got.err == nil, nil
	})
	if !ok {
		note.dropped = true
		p.repair = note
		return p
	}
	note.fixes = fixes
	got.id, got.title, got.repair = p.id, p.title, note
	return got
}

// WritePrepared writes what Prepare made, in order, as Write would have.
func (rw *RepairWriter) WritePrepared(p Prepared) error {
	if rw.err != nil {
		return rw.err
	}
	switch {
	case p.conv != nil:
		return rw.Write(*p.conv)
	case p.repair != nil && p.repair.dropped:
		rw.dropped++
		return rw.line(InvalidRecord{ID: p.id, Title: p.title, Reason: p.repair.reason})
	}
	if err := rw.prep.WritePrepared(p); err != nil {
		rw.err = err
		return err
	}
	if p.repair != nil {
		return rw.note(p.id, p.title, p.repair.reason, p.repair.fixes)
	}
	return nil
}

// Pairs returns the writer as the PairTaker of a format that takes preference
// pairs beside its conversations (KTO), or nil.
func (rw *RepairWriter) Pairs() PairTaker {
	if rw.pairs == nil {
		return nil
	}
	return repairPairs{rw}
}

// repairPairs passes preference pairs to a RepairWriter's format, with the pairs
// it refuses counted as Invalid and described on the invalid writer.
type repairPairs struct{ rw *RepairWriter }

func (rp repairPairs) WritePair(p PreferencePair) error {
	rw := rp.rw
	if rw.err != nil {
		return rw.err
	}
	rw.refused.Reset()
	if err := rw.pairs.WritePair(p); err != nil {
		rw.err = err
		return err
	}
	if rw.refused.Len() == 0 {
		return nil
	}
	rw.dropped++
	if rw.invalid == nil {
		return nil
	}
	if _, err := rw.invalid.Write(rw.refused.Bytes()); err != nil {
		rw.err = fmt.Errorf("write invalid records: %w", err)
		return rw.err
	}
	return nil
}

// repairSearch looks for the version of c that try takes: c with Repair's fixes,
// else cut after one of its rounds, the latest first. It returns the fixes of the
// version taken and whether there was one; try's error stops the search.
func repairSearch(c Conversation, try func(Conversation) (bool, error)) ([]string, bool, error) {
	fixed, fixes := Repair(c)
	if len(fixes) > 0 {
		if ok, err := try(fixed); err != nil || ok {
			return fixes, ok, err
		}
		c = fixed
	}
	cuts := 0
	for end := len(c.Messages) - 1; end > 0 && cuts < maxCuts; end-- {
		if !roundEnd(c.Messages, end) {
			continue
		}
		cuts++
		cut := c
		cut.Messages = c.Messages[:end]
		if ok, err := try(cut); err != nil || ok {
			return append(fixes, fmt.Sprintf("%s after message %d of %d", FixCut, end, len(c.Messages))), ok, err
		}
	}
	return nil, false, nil
}

// try writes c with the inner writer and reports whether it took it, and else why not.
func (rw *RepairWriter) try(c Conversation) (bool, string, error) {
	rw.refused.Reset()
	if err := rw.inner.Write(c); err != nil {
		rw.err = err
		return false, "", err
	}
	if rw.refused.Len() == 0 {
		return true, "", nil
	}
	var rec InvalidRecord
	if err := json.Unmarshal(rw.refused.Bytes(), &rec); err != nil {
		return false, strings.TrimSpace(rw.refused.String()), nil
	}
	return false, rec.Reason, nil
}

// note counts the fixes that made conversation id writable and describes them.
func (rw *RepairWriter) note(id int64, title, reason string, fixes []string) error {
	if rw.fixes == nil {
		rw.fixes = map[string]int{}
	}
	for _, f := range fixes {
		k, _, _ := strings.Cut(f, " after message")
		rw.fixes[k]++
	}
	return rw.line(InvalidRecord{ID: id, Title: title, Reason: reason, Fix: strings.Join(fixes, "; ")})
}

func (rw *RepairWriter) line(rec InvalidRecord) error {
	if rw.invalid == nil {
		return nil
	}
	b, _ := marshalNoEscape(rec)
	if _, err := rw.invalid.Write(append(b, '\n')); err != nil {
		rw.err = fmt.Errorf("write invalid records: %w", err)
		return rw.err
	}
	return nil
}

// Close closes the format's writer and returns its report with the fixes counted
// and only the conversations (and pairs) that could not be written at all as
// Invalid.
func (rw *RepairWriter) Close() (ExportReport, error) {
	rep, err := rw.inner.Close()
	rep.Invalid, rep.Fixes = rw.dropped, rw.fixes
	if err == nil {
		err = rw.err
	}
	return rep, err
}

// roundEnd reports whether msgs[:end] ends a round: its last message is an
// assistant turn without tool calls and the next is not (a user turn, say).
func roundEnd(msgs []Message, end int) bool {
	last := msgs[end-1]
	return last.Role == RoleAssistant && len(last.ToolCalls) == 0 && msgs[end].Role != RoleAssistant
}

// Repair returns c with the fixes no reading of the conversation can dispute, and
// their names (none: c as it is):
//   - assistant messages in a row, none with tool calls, become one answer, their
//     texts joined by a blank line (FixJoinAnswers); the opener before the first
//     user turn is left as it is;
//   - tool call arguments sent as a JSON string that holds a JSON object are that
//     object (FixParseArguments).
//
// c's messages are not modified.
func Repair(c Conversation) (Conversation, []string) {
	var fixes []string
	joined, parsed := false, false
	out := make([]Message, 0, len(c.Messages))
	opening := true
	for _, m := range c.Messages {
		if m.Role == RoleUser || m.Role == RoleTool {
			opening = false
		}
		if len(m.ToolCalls) > 0 {
			calls := make([]ToolCall, len(m.ToolCalls))
			for i, tc := range m.ToolCalls {
				if args, ok := unwrapArguments(tc.Arguments); ok {
					tc.Arguments, parsed = args, true
				}
				calls[i] = tc
			}
			m.ToolCalls = calls
		}
		if n := len(out); n > 0 && !opening && m.Role == RoleAssistant && len(m.ToolCalls) == 0 &&
			out[n-1].Role == RoleAssistant && len(out[n-1].ToolCalls) == 0 {
			prev, text := &out[n-1], m.Content
			if m.Name != "" && m.Name != prev.Name {
				text = speakerText(m, true) // a group chat: the second speaker stays named
			}
			prev.Content = joinText(strings.TrimSpace(prev.Content), strings.TrimSpace(text), "\n\n")
			prev.Reasoning = joinText(strings.TrimSpace(prev.Reasoning), strings.TrimSpace(m.Reasoning), "\n\n")
			prev.Media = append(prev.Media[:len(prev.Media):len(prev.Media)], m.Media...)
			prev.NoTrain = prev.NoTrain || m.NoTrain
			joined = true
			continue
		}
		out = append(out, m)
	}
	if joined {
		fixes = append(fixes, FixJoinAnswers)
	}
	if parsed {
		fixes = append(fixes, FixParseArguments)
	}
	if len(fixes) == 0 {
		return c, nil
	}
	c.Messages = out
	return c, fixes
}

// unwrapArguments returns the object a JSON string of arguments holds, when it
// holds one.
func unwrapArguments(args string) (string, bool) {
	a := strings.TrimSpace(args)
	if !strings.HasPrefix(a, `"`) {
		return "", false
	}
	var s string
	if err := json.Unmarshal([]byte(a), &s); err != nil || !isJSONObject(strings.TrimSpace(s)) {
		return "", false
	}
	return strings.TrimSpace(s), true
}
