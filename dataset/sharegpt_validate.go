package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ValidateShareGPT checks r against the rules of LLaMA-Factory's sharegpt converter,
// independently of how r was made, and returns an error wrapping ErrInvalidRecord
// with the first rule broken. The rules: a leading "system" turn is the system
// prompt and may appear nowhere else; after it, turns 1, 3, 5, … are "human" or
// "observation" and turns 2, 4, 6, … are "gpt" or "function_call"; there is at
// least one pair and the count is even. On top of those, llmtap requires that "gpt"
// and "human" turns are not empty, that every "function_call" value is a JSON
// {"name", "arguments"} object or a list of them with object arguments, that
// Tools, when set, is a JSON array of tools with a name and a parameters object
// (LLaMA-Factory's tool formatter reads parameters.properties), and that the turns
// hold one ImagePlaceholder per entry of Images.
func ValidateShareGPT(r *ShareGPTRecord) error {
	if err := validateShareGPT(r); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return nil
}

func validateShareGPT(r *ShareGPTRecord) error {
	if r == nil {
		return errors.New("no record")
	}
	if r.Score != 0 {
		if err := checkScore(&r.Score); err != nil {
			return err
		}
	}
	turns := r.Conversations
	if len(turns) > 0 && turns[0].From == TagSystem {
		turns = turns[1:]
	}
	if len(turns) == 0 {
		return errors.New("no turns")
	}
	if len(turns)%2 != 0 {
		return fmt.Errorf("odd number of turns (%d)", len(turns))
	}
	for i, t := range turns {
		n := i + 1
		odd := i%2 == 0 // the 1st, 3rd, … turn
		switch {
		case odd && t.From != TagHuman && t.From != TagObservation:
			return fmt.Errorf("turn %d is %q, want %q or %q", n, t.From, TagHuman, TagObservation)
		case !odd && t.From != TagGPT && t.From != TagFunctionCall:
			return fmt.Errorf("turn %d is %q, want %q or %q", n, t.From, TagGPT, TagFunctionCall)
		case (t.From == TagHuman || t.From == TagGPT) && t.Value == "":
			return fmt.Errorf("turn %d (%s) is empty", n, t.From)
		case t.From == TagFunctionCall:
			if err := validateFunctionCall(t.Value); err != nil {
				return fmt.Errorf("turn %d (%s): %w", n, t.From, err)
			}
		}
	}
	if r.Tools != "" {
		if err := validateToolsString(r.Tools); err != nil {
			return err
		}
	}
	return validateImages(r.Images, turnValues(r.Conversations)...)
}

// validateImages is the rule of LLaMA-Factory's multimodal plugins: the texts hold
// one ImagePlaceholder per image of the record.
func validateImages(images []string, texts ...string) error {
	if len(images) == 0 {
		return nil
	}
	if n := countPlaceholders(texts...); n != len(images) {
		return fmt.Errorf("%d %s placeholders for %d images", n, ImagePlaceholder, len(images))
	}
	for i, im := range images {
		if im == "" {
			return fmt.Errorf("image %d has no path", i+1)
		}
	}
	return nil
}

func turnValues(turns []ShareGPTTurn) []string {
	out := make([]string, len(turns))
	for i, t := range turns {
		out[i] = t.Value
	}
	return out
}

func validateFunctionCall(value string) error {
	var calls []map[string]json.RawMessage
	if len(value) > 0 && value[0] == '[' {
		if err := json.Unmarshal([]byte(value), &calls); err != nil || len(calls) == 0 {
			return errors.New("value is not a non-empty list of calls")
		}
	} else {
		var call map[string]json.RawMessage
		if err := json.Unmarshal([]byte(value), &call); err != nil || call == nil {
			return errors.New("value is not a JSON call object")
		}
		calls = append(calls, call)
	}
	for i, c := range calls {
		var name string
		if json.Unmarshal(c["name"], &name) != nil || name == "" {
			return fmt.Errorf("call %d has no name", i+1)
		}
		if !isJSONObject(string(c["arguments"])) {
			return fmt.Errorf("call %q has no arguments object", name)
		}
	}
	return nil
}
