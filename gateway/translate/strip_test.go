package translate

import (
	"bytes"
	"errors"
	"testing"
)

func TestStripReasoning(t *testing.T) {
	tests := []struct {
		name, kind, in, want string
	}{
		{"openai_fields", OpenAI,
			`{"model":"m","seed":7,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"x","reasoning_content":"r","reasoning":"r","reasoning_details":[{"type":"reasoning.text"}],"thinking_blocks":[{"type":"thinking","signature":"s"}],"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"},"extra_content":{"google":{"thought_signature":"g"}}}]}]}`,
			`{"messages":[{"content":"hi","role":"user"},{"content":"x","role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"},"id":"c","type":"function"}]}],"model":"m","seed":7}`},
		{"azure_is_openai", Azure,
			`{"messages":[{"role":"assistant","content":"x","reasoning_content":"r"}]}`,
			`{"messages":[{"content":"x","role":"assistant"}]}`},
		{"anthropic_blocks", Anthropic,
			`{"max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"redacted_thinking","data":"d"},{"type":"text","text":"a"}]},{"role":"user","content":"more"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"}]}]}`,
			`{"max_tokens":5,"messages":[{"content":"hi","role":"user"},{"content":[{"type":"text","text":"a"}],"role":"assistant"},{"content":"more","role":"user"}]}`},
		{"gemini_parts", Gemini,
			`{"contents":[{"role":"model","parts":[{"text":"plan","thought":true},{"functionCall":{"name":"f","args":{}},"thoughtSignature":"g"},{"text":"x","thought_signature":"h"}]}],"generationConfig":{"temperature":1}}`,
			`{"contents":[{"parts":[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"skip_thought_signature_validator"},{"text":"x"}],"role":"model"}],"generationConfig":{"temperature":1}}`},
		{"ollama_thinking", Ollama,
			`{"model":"q","messages":[{"role":"assistant","content":"x","thinking":"t"}]}`,
			`{"messages":[{"content":"x","role":"assistant"}],"model":"q"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().StripReasoning(tt.kind, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("StripReasoning(%s) =\n%s\nwant\n%s", tt.kind, got, tt.want)
			}
		})
	}
}

// A body with nothing to strip comes back byte for byte, not re-encoded.
func TestStripReasoningUnchanged(t *testing.T) {
	in := []byte(`{"model": "m", "messages": [{"role": "user", "content": "a<b"}]}`)
	for _, kind := range []string{OpenAI, Anthropic, Ollama} {
		got, err := New().StripReasoning(kind, in)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("StripReasoning(%s) = %s, %v; want the input unchanged", kind, got, err)
		}
	}
	if _, err := New().StripReasoning("bedrock", in); !errors.Is(err, ErrUnsupported) {
		t.Errorf("StripReasoning(bedrock) error = %v, want ErrUnsupported", err)
	}
}
