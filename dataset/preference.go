package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
)

// FormatPreference ("dpo") is one preference pair per line (JSON Lines) in
// LLaMA-Factory's ranking ShareGPT format: a dataset_info.json entry with
// "ranking": true, "formatting": "sharegpt" and the columns messages →
// "conversations", chosen → "chosen", rejected → "rejected" reads it for DPO, ORPO
// or reward-model training. FormatDPOJSONL is its older name.
const FormatPreference ExportFormat = "dpo"

// FormatDPOJSONL is another name for FormatPreference; LookupFormat resolves it.
const FormatDPOJSONL ExportFormat = "dpo-jsonl"

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
	Conversations []ShareGPTTurn `json:"conversations" parquet:"conversations,list"`
	Chosen        ShareGPTTurn   `json:"chosen" parquet:"chosen"`
	Rejected      ShareGPTTurn   `json:"rejected" parquet:"rejected"`
	System        string         `json:"system,omitempty" parquet:"system,optional"`
	Tools         string         `json:"tools,omitempty" parquet:"tools,optional"`
	Images        []string       `json:"images,omitempty" parquet:"images,optional,list"`
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
	p = opt.pairReasoning(p, false)
	o := SplitOpening(p.History)
	named := named(opt.Names, append(p.History[:len(p.History):len(p.History)], p.Chosen, p.Rejected))
	turns, _, imgs, err := shareGPTTurns(o.Rest, o.Offset, named, opt.Media)
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
	rec.System, rec.Conversations = placeSystem(opt, o, named, turns)
	rec.Images = imgs
	if err := checkedRecord(rec, validatePreference); err != nil {
		return nil, err
	}
	return rec, nil
}

func convertDPO(p PreferencePair, opt ShareGPTOptions) (converted, error) {
	rec, err := convertPreference(p, opt)
	if err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: rec.System != "", tools: rec.Tools != "", images: len(rec.Images) > 0}, nil
}

// ValidatePreference checks one line of a FormatPreference file against the rules
// of LLaMA-Factory's sharegpt converter for a ranking dataset, independently of
// how it was made: after an optional leading "system" turn, an odd number of
// turns alternating as ValidateShareGPT says, ending with "human" or
// "observation"; "chosen" and "rejected" are "gpt" or "function_call" turns that
// differ; tools and images as in ValidateShareGPT.
func ValidatePreference(line []byte) error { return invalidRecord(validatePreference(line)) }

func validatePreference(line []byte) error {
	var rec PreferenceRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not a ranking record: %w", err)
	}
	turns := rec.Conversations
	if len(turns) > 0 && turns[0].From == TagSystem {
		turns = turns[1:]
	}
	if len(turns)%2 == 0 {
		return fmt.Errorf("even number of prompt turns (%d), want odd", len(turns))
	}
	if rec.Chosen == rec.Rejected {
		return errors.New("chosen and rejected are the same")
	}
	// Each answer after the prompt makes a whole record the SFT rules take.
	for _, a := range []ShareGPTTurn{rec.Chosen, rec.Rejected} {
		whole := &ShareGPTRecord{Conversations: append(rec.Conversations[:len(rec.Conversations):len(rec.Conversations)], a),
			Tools: rec.Tools, Images: rec.Images}
		if err := validateShareGPT(whole); err != nil {
			return err
		}
	}
	return nil
}
