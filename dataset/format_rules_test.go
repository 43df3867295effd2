package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// ruleCase is one line a validator is given: "valid…" cases pass, the others
// break one rule each.
type ruleCase struct{ name, line string }

// validatorRules are, per validator, the lines that break each of its rules once;
// the reasons are in testdata/formats/validate_<name>.golden.json.
var validatorRules = []struct {
	name     string
	validate func([]byte) error
	cases    []ruleCase
}{
	{"alpaca", ValidateAlpaca, []ruleCase{
		{"valid", `{"instruction":"hi","input":"","output":"hello","history":[["a","b"]]}`},
		{"valid_images", `{"instruction":"<image><image>which?","input":"","output":"left","images":["a.png","b.png"]}`},
		{"not_json", `{`},
		{"no_instruction", `{"input":"","output":"x"}`},
		{"empty_output", `{"instruction":"hi","input":"","output":""}`},
		{"no_input", `{"instruction":"hi","output":"x"}`},
		{"history_not_pairs", `{"instruction":"hi","input":"","output":"x","history":[["a"]]}`},
		{"history_empty_turn", `{"instruction":"hi","input":"","output":"x","history":[["a",""]]}`},
		{"placeholders_not_images", `{"instruction":"<image>which?","input":"","output":"left","images":["a.png","b.png"]}`},
		{"valid_score", `{"instruction":"hi","input":"","output":"hello","history":[],"score":5}`},
		{"score_out_of_range", `{"instruction":"hi","input":"","output":"hello","history":[],"score":6}`},
		{"score_not_integer", `{"instruction":"hi","input":"","output":"hello","history":[],"score":2.5}`},
	}},
	{"messages_score", ValidateMessages, []ruleCase{
		{"valid", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"score":1}`},
		{"score_zero", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"score":0}`},
		{"score_string", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"score":"4"}`},
	}},
	{"sharegpt_score", validateShareGPTLine, []ruleCase{
		{"valid", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"score":3}`},
		{"score_negative", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"score":-1}`},
	}},
	{"kto", ValidateKTO, []ruleCase{
		{"valid", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"kto_tag":false}`},
		{"not_json", `[`},
		{"no_tag", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}]}`},
		{"tag_string", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"kto_tag":"false"}`},
		{"odd_turns", `{"conversations":[{"from":"human","value":"hi"}],"kto_tag":true}`},
		{"gpt_first", `{"conversations":[{"from":"gpt","value":"hi"},{"from":"human","value":"yo"}],"kto_tag":true}`},
		{"tools_without_parameters", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"tools":"[{\"name\":\"f\"}]","kto_tag":true}`},
	}},
	{"dpo", ValidatePreference, []ruleCase{
		{"valid", `{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"gpt","value":"hello"},"rejected":{"from":"gpt","value":"go away"}}`},
		{"not_json", `{"conversations":`},
		{"even_prompt", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"chosen":{"from":"gpt","value":"a"},"rejected":{"from":"gpt","value":"b"}}`},
		{"same_answers", `{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"gpt","value":"a"},"rejected":{"from":"gpt","value":"a"}}`},
		{"answer_is_human", `{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"human","value":"a"},"rejected":{"from":"gpt","value":"b"}}`},
		{"bad_function_call", `{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"function_call","value":"{\"name\":\"f\",\"arguments\":\"{}\"}"},"rejected":{"from":"gpt","value":"b"}}`},
		{"images_without_placeholder", `{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"gpt","value":"a"},"rejected":{"from":"gpt","value":"b"},"images":["x.png"]}`},
	}},
	{"openai_dpo", ValidateOpenAIDPO, []ruleCase{
		{"valid", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"hello"}],"non_preferred_output":[{"role":"assistant","content":"go away"}]}`},
		{"not_json", `{`},
		{"no_input", `{"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"input_ends_with_answer", `{"input":{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"x"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"two_preferred", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"a"},{"role":"assistant","content":"c"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"preferred_is_user", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"user","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"weight_on_output", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"a","weight":1}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"arguments_object", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]}],"non_preferred_output":[{"role":"assistant","content":"b"}]}`},
		{"same_outputs", `{"input":{"messages":[{"role":"user","content":"hi"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"a"}]}`},
	}},
	{"preference_jsonl", ValidatePreferenceMessages, []ruleCase{
		{"valid", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":"hello"}],"rejected":[{"role":"assistant","content":"go away"}]}`},
		{"not_json", `[`},
		{"no_prompt", `{"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}]}`},
		{"prompt_ends_with_answer", `{"prompt":[{"role":"user","content":"hi"},{"role":"assistant","content":"x"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}]}`},
		{"chosen_not_one", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[],"rejected":[{"role":"assistant","content":"b"}]}`},
		{"rejected_is_user", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"user","content":"b"}]}`},
		{"chosen_null_content", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":null}],"rejected":[{"role":"assistant","content":"b"}]}`},
		{"tools_not_string", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}],"tools":[]}`},
		{"same_answers", `{"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"a"}]}`},
	}},
	{"openai_images", ValidateOpenAI, []ruleCase{
		{"valid", `{"messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},{"role":"assistant","content":"a cat"}]}`},
		{"parts_on_assistant", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"x"}]}]}`},
		{"image_file_path", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"images/a.png"}}]},{"role":"assistant","content":"x"}]}`},
		{"unknown_part", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]},{"role":"assistant","content":"x"}]}`},
		{"no_parts", `{"messages":[{"role":"user","content":[]},{"role":"assistant","content":"x"}]}`},
	}},
}

// validateShareGPTLine is ValidateShareGPT of one line.
func validateShareGPTLine(line []byte) error {
	var rec ShareGPTRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	return ValidateShareGPT(&rec)
}

// TestValidatorRules breaks each rule of the validators of alpaca, kto, dpo,
// openai-dpo, preference-jsonl (and openai-jsonl's image parts) once.
func TestValidatorRules(t *testing.T) {
	for _, v := range validatorRules {
		t.Run(v.name, func(t *testing.T) {
			got := map[string]string{}
			for _, tt := range v.cases {
				err := v.validate([]byte(tt.line))
				valid := tt.name == "valid" || len(tt.name) > 6 && tt.name[:6] == "valid_"
				if (err == nil) != valid {
					t.Errorf("%s: validate(%s) = %v", tt.name, tt.line, err)
				}
				if err != nil && !errors.Is(err, ErrInvalidRecord) {
					t.Errorf("%s: error %v does not wrap ErrInvalidRecord", tt.name, err)
				}
				got[tt.name] = errText(err)
			}
			checkGolden(t, filepath.Join("testdata", "formats", "validate_"+v.name+".golden.json"), got)
		})
	}
}

// FuzzValidators gives every validator the same bytes: none panics, and each
// error wraps ErrInvalidRecord.
func FuzzValidators(f *testing.F) {
	for _, v := range validatorRules {
		for _, c := range v.cases {
			f.Add([]byte(c.line))
		}
	}
	all := []func([]byte) error{ValidateOpenAI, ValidateMessages, ValidateAlpaca, ValidateKTO, ValidatePreference,
		ValidateOpenAIDPO, ValidatePreferenceMessages}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, v := range all {
			if err := v(line); err != nil && !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("error %v does not wrap ErrInvalidRecord", err)
			}
		}
	})
}
