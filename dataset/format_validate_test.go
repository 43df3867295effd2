package dataset

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestValidateOpenAIRules breaks each rule of ValidateOpenAI once; the reasons are
// in testdata/formats/validate_openai.golden.json.
func TestValidateOpenAIRules(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"valid", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}`},
		{"not_json", `{"messages":`},
		{"no_messages", `{"messages":[]}`},
		{"unknown_role", `{"messages":[{"role":"function","content":"x"},{"role":"assistant","content":"y"}]}`},
		{"unrecognized_key", `{"messages":[{"role":"user","content":"hi","train":true},{"role":"assistant","content":"y"}]}`},
		{"null_content_without_calls", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null}]}`},
		{"bad_name", `{"messages":[{"role":"user","content":"hi","name":"Kael Stormborn"},{"role":"assistant","content":"y"}]}`},
		{"weight_on_user", `{"messages":[{"role":"user","content":"hi","weight":0},{"role":"assistant","content":"y"}]}`},
		{"weight_not_binary", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y","weight":0.5}]}`},
		{"no_trained_answer", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y","weight":0}]}`},
		{"no_assistant", `{"messages":[{"role":"user","content":"hi"}]}`},
		{"arguments_object", `{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{"x":1}}}]},{"role":"tool","content":"1","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}`},
		{"call_without_id", `{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"assistant","content":"done"}]}`},
		{"tool_answers_nothing", `{"messages":[{"role":"user","content":"go"},{"role":"tool","content":"1","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}`},
		{"tool_answers_twice", `{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"1","tool_call_id":"c1"},{"role":"tool","content":"1","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}`},
		{"tool_call_id_on_user", `{"messages":[{"role":"user","content":"go","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}`},
		{"tool_not_function", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y"}],"tools":[{"name":"f","input_schema":{}}]}`},
	}
	got := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateOpenAI([]byte(tt.line))
			if (err == nil) != (tt.name == "valid") {
				t.Fatalf("ValidateOpenAI(%s) = %v", tt.line, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("ValidateOpenAI error = %v, want it to wrap ErrInvalidRecord", err)
			}
			got[tt.name] = errText(err)
		})
	}
	checkGolden(t, filepath.Join("testdata", "formats", "validate_openai.golden.json"), got)
}

// TestValidateMessagesRules breaks each rule of ValidateMessages once; the reasons
// are in testdata/formats/validate_messages.golden.json.
func TestValidateMessagesRules(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"valid", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello","train":true}],"tools":"[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]"}`},
		{"not_json", `[`},
		{"no_messages", `{}`},
		{"unknown_role", `{"messages":[{"role":"human","content":"hi"},{"role":"assistant","content":"y"}]}`},
		{"null_content", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`},
		{"train_not_boolean", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y","train":"no"}]}`},
		{"train_on_user", `{"messages":[{"role":"user","content":"hi","train":false},{"role":"assistant","content":"y"}]}`},
		{"no_trained_answer", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y","train":false}]}`},
		{"arguments_not_string", `{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]}]}`},
		{"arguments_not_object", `{"messages":[{"role":"user","content":"go"},{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}`},
		{"tool_answers_nothing", `{"messages":[{"role":"user","content":"go"},{"role":"tool","content":"1","tool_call_id":"c"},{"role":"assistant","content":"y"}]}`},
		{"tools_not_string", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y"}],"tools":[{"name":"f"}]}`},
		{"tools_without_parameters", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"y"}],"tools":"[{\"name\":\"f\",\"input_schema\":{}}]"}`},
	}
	got := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateMessages([]byte(tt.line))
			if (err == nil) != (tt.name == "valid") {
				t.Fatalf("ValidateMessages(%s) = %v", tt.line, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("ValidateMessages error = %v, want it to wrap ErrInvalidRecord", err)
			}
			got[tt.name] = errText(err)
		})
	}
	checkGolden(t, filepath.Join("testdata", "formats", "validate_messages.golden.json"), got)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
