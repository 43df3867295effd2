package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// FormatKTO is one example per line in LLaMA-Factory's sharegpt layout with a
// boolean "kto_tag" (dataset_info.json column kto_tag), for KTO training, which
// labels the last answer of a record: a conversation's record is desirable (true)
// unless it was rejected in review, and the worse answer of each preference pair,
// after its history, is an undesirable (false) one. A reviewer's thumbs (issue 14)
// add examples of the answers they rate, each after its history: thumbs down an
// undesirable one, thumbs up a desirable one in a conversation not confirmed (a
// confirmed one is desirable as a whole); on the last answer the thumb labels the
// conversation's record itself unless it was confirmed. An opener is never an
// example: it goes into the system prompt or is dropped, as in sharegpt.
const FormatKTO ExportFormat = "kto"

// KTORecord is one line of a FormatKTO file.
type KTORecord struct {
	Conversations []ShareGPTTurn `json:"conversations" parquet:"conversations,list"`
	System        string         `json:"system,omitempty" parquet:"system,optional"`
	Tools         string         `json:"tools,omitempty" parquet:"tools,optional"`
	Images        []string       `json:"images,omitempty" parquet:"images,optional,list"`
	KTOTag        bool           `json:"kto_tag" parquet:"kto_tag"`
}

func ktoRecord(r *ShareGPTRecord, tag bool) *KTORecord {
	return &KTORecord{Conversations: r.Conversations, System: r.System, Tools: r.Tools, Images: r.Images, KTOTag: tag}
}

func convertKTO(c Conversation, opt ShareGPTOptions) (converted, error) {
	last := lastAnswer(c.Messages)
	var more []extraRecord
	for k, m := range c.Messages {
		if k == last || m.Role != RoleAssistant || m.Thumb == 0 || (m.Thumb > 0 && c.Status == StatusConfirmed) ||
			len(m.ToolCalls) > 0 || !slices.ContainsFunc(c.Messages[:k], func(m Message) bool { return m.Role == RoleUser }) {
			continue // unrated, said by the conversation's label, a tool call, or an opener
		}
		part := c
		part.Messages = c.Messages[: k+1 : k+1]
		x, err := ktoOf(part, m.Thumb > 0, opt)
		if err != nil {
			err = fmt.Errorf("thumbs-%s answer (message %d): %w", map[bool]string{true: "up", false: "down"}[m.Thumb > 0], k+1, err)
		}
		more = append(more, extraRecord{x, err})
	}
	tag := c.Status != StatusRejected
	if last >= 0 && c.Messages[last].Thumb != 0 && c.Status != StatusConfirmed {
		tag = c.Messages[last].Thumb > 0
	}
	r, err := ktoOf(c, tag, opt)
	r.more = more
	return r, err
}

// ktoOf is the KTO record of c labelled tag.
func ktoOf(c Conversation, tag bool, opt ShareGPTOptions) (converted, error) {
	r, err := convertShareGPT(c, opt)
	if err != nil {
		return converted{}, err
	}
	return ktoChecked(ktoRecord(r, tag), len(r.Warnings) > 0)
}

// lastAnswer is the index of the last assistant message of msgs, -1 for none.
func lastAnswer(msgs []Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleAssistant {
			return i
		}
	}
	return -1
}

// KTOTakes reports whether a KTO export makes an undesirable example of a
// preference pair chosen by rule: only of the pairs a reviewer marked (a preferred
// answer, an edit), where the worse answer is known to be worse; a regeneration,
// a client's rewrite or the answer the client went on from says nothing bad of the
// others.
func KTOTakes(rule PairRule) bool {
	return PairsReviewed.Takes(rule)
}

// convertKTOPair makes the undesirable example of p: its history and its worse
// answer; a pair KTOTakes leaves out is errPairNotTaken.
func convertKTOPair(p PreferencePair, opt ShareGPTOptions) (converted, error) {
	if !KTOTakes(p.Rule) {
		return converted{}, errPairNotTaken
	}
	r, err := convertPreference(p, opt)
	if err != nil {
		return converted{}, err
	}
	turns := append(r.Conversations[:len(r.Conversations):len(r.Conversations)], r.Rejected)
	return ktoChecked(&KTORecord{Conversations: turns, System: r.System, Tools: r.Tools, Images: r.Images}, false)
}

// errPairNotTaken is a pair a format leaves out by its rule: not a record, not an
// invalid one either.
var errPairNotTaken = errors.New("pair not taken by the format")

func ktoChecked(rec *KTORecord, warned bool) (converted, error) {
	if err := checkedRecord(rec, validateKTO); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: rec.System != "", tools: rec.Tools != "", images: len(rec.Images) > 0, warned: warned}, nil
}

// ValidateKTO checks one line of a FormatKTO file: a record ValidateShareGPT
// takes, with "kto_tag" a JSON boolean (LLaMA-Factory's converter reads it with
// bool() and would take the string "false" as true).
func ValidateKTO(line []byte) error { return invalidRecord(validateKTO(line)) }

func validateKTO(line []byte) error {
	var rec struct {
		ShareGPTRecord
		Tag json.RawMessage `json:"kto_tag"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a KTO record: %w", err)
	}
	var tag bool
	if rec.Tag == nil || json.Unmarshal(rec.Tag, &tag) != nil {
		return errors.New("kto_tag is missing or not a boolean")
	}
	return validateShareGPT(&rec.ShareGPTRecord)
}
