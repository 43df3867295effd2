package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
)

// FormatAlpaca is one conversation per line in LLaMA-Factory's alpaca layout:
// the last round as "instruction" (with "input" empty) and "output", the rounds
// before it as "history" pairs, the system prompt (with the opener, per
// ShareGPTOptions.Opener) in "system", the images in "images".
const FormatAlpaca ExportFormat = "alpaca"

// AlpacaRecord is one line of a FormatAlpaca file.
type AlpacaRecord struct {
	Instruction string `json:"instruction" parquet:"instruction"`
	Input       string `json:"input" parquet:"input"`
	Output      string `json:"output" parquet:"output"`
	System      string `json:"system,omitempty" parquet:"system,optional"`
	// History holds the earlier rounds as [instruction, output] pairs, oldest first.
	History [][]string `json:"history" parquet:"history,list"`
	Images  []string   `json:"images,omitempty" parquet:"images,optional,list"`
	// Score is the conversation's quality score, 1 to MaxScore; 0 (unrated) is
	// left out (score.go).
	Score int `json:"score,omitempty" parquet:"score,optional"`
}

// ToAlpaca turns c into a record that passes ValidateAlpaca, or returns an error
// wrapping ErrInvalidRecord. The turns map as ToShareGPT maps them (opener,
// names, reasoning, images); alpaca has no place for tool calls or results, so a
// conversation with them is invalid (use sharegpt).
func ToAlpaca(c Conversation, opt ShareGPTOptions) (*AlpacaRecord, error) {
	return convertedAs[*AlpacaRecord](c, opt, convertAlpaca)
}

func convertAlpaca(c Conversation, opt ShareGPTOptions) (converted, error) {
	o := SplitOpening(opt.withReasoning(c.Messages, false))
	named := named(opt.Names, c.Messages)
	turns, warnings, imgs, err := shareGPTTurns(o.Rest, o.Offset, named, opt.Media)
	if err != nil {
		return converted{}, err
	}
	if n := len(turns); n > 0 && turns[n-1].From != TagGPT && turns[n-1].From != TagFunctionCall {
		turns = turns[:n-1]
	}
	if len(turns) == 0 {
		return converted{}, errors.New("no assistant answer")
	}
	rec := &AlpacaRecord{System: opt.systemPrompt(o, named), Images: imgs, History: [][]string{}, Score: scoreOf(c)}
	for i := 0; i+1 < len(turns); i += 2 {
		q, a := turns[i], turns[i+1]
		if q.From != TagHuman || a.From != TagGPT {
			return converted{}, errors.New("alpaca holds no tool calls or tool results: use sharegpt")
		}
		rec.History = append(rec.History, []string{q.Value, a.Value})
	}
	last := rec.History[len(rec.History)-1]
	rec.Instruction, rec.Output, rec.History = last[0], last[1], rec.History[:len(rec.History)-1]
	if err := checkedRecord(rec, validateAlpaca); err != nil {
		return converted{}, err
	}
	return converted{rec: rec, system: rec.System != "", images: len(rec.Images) > 0, warned: len(warnings) > 0}, nil
}

// ValidateAlpaca checks one line of a FormatAlpaca file against LLaMA-Factory's
// alpaca converter, independently of how it was made, and returns an error
// wrapping ErrInvalidRecord with the first rule broken: instruction and output
// are non-empty strings, input and system strings; history is a list of
// [instruction, output] pairs of non-empty strings; the texts hold one
// ImagePlaceholder per entry of images.
func ValidateAlpaca(line []byte) error { return invalidRecord(validateAlpaca(line)) }

func validateAlpaca(line []byte) error {
	var rec struct {
		Instruction *string           `json:"instruction"`
		Input       *string           `json:"input"`
		Output      *string           `json:"output"`
		System      *string           `json:"system"`
		History     []json.RawMessage `json:"history"`
		Images      []string          `json:"images"`
		Score       *int              `json:"score"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("not an alpaca record: %w", err)
	}
	if err := checkScore(rec.Score); err != nil {
		return err
	}
	switch {
	case rec.Instruction == nil || *rec.Instruction == "":
		return errors.New("instruction is missing or empty")
	case rec.Output == nil || *rec.Output == "":
		return errors.New("output is missing or empty")
	case rec.Input == nil:
		return errors.New("input is missing")
	}
	texts := []string{*rec.Instruction, *rec.Input}
	for i, raw := range rec.History {
		var pair []string
		if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 || pair[0] == "" || pair[1] == "" {
			return fmt.Errorf("history round %d is not a pair of non-empty strings", i+1)
		}
		texts = append(texts, pair[0])
	}
	return validateImages(rec.Images, texts...)
}
