package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
)

// FormatKTO is one example per line in LLaMA-Factory's sharegpt layout with a
// boolean "kto_tag" (dataset_info.json column kto_tag), for KTO training: a
// conversation's record is desirable (true) unless it was rejected in review, and
// the worse answer of each preference pair, after its history, is an undesirable
// (false) one. An opener is never an example: it goes into the system prompt or
// is dropped, as in sharegpt.
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
	r, err := convertShareGPT(c, opt)
	if err != nil {
		return converted{}, err
	}
	return ktoChecked(ktoRecord(r, c.Status != StatusRejected), len(r.Warnings) > 0)
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
