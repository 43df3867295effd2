package dataset

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitHistory(t *testing.T) {
	sys := func(s string) Message { return Message{Role: RoleSystem, Content: s} }
	user := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	bot := func(s string) Message { return Message{Role: RoleAssistant, Content: s} }
	exU := Message{Role: RoleSystem, Name: "example_user", Content: "ex q"}
	exA := Message{Role: RoleAssistant, Name: "example_assistant", Content: "ex a"}
	note := sys("[Author's note]")
	got := SplitHistory([]Message{sys("card"), exU, exA, bot("greeting"), user("hi"), note, bot("hello"), user("more")})
	want := History{
		Prelude: []Message{sys("card"), exU, exA},
		Turns:   []Message{bot("greeting"), user("hi"), bot("hello"), user("more")},
		Notes:   []Message{note},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SplitHistory (-want +got):\n%s", diff)
	}
}

func TestIsPrefill(t *testing.T) {
	tests := []struct {
		name  string
		turns []Message
		want  bool
	}{
		{"empty", nil, false},
		{"ends_with_user", []Message{{Role: RoleUser, Content: "hi"}}, false},
		{"ends_with_partial_answer", []Message{{Role: RoleUser, Content: "hi"}, {Role: RoleAssistant, Content: "Once"}}, true},
		{"ends_with_tool_call", []Message{{Role: RoleUser, Content: "hi"}, {Role: RoleAssistant, ToolCalls: []ToolCall{{Name: "f"}}}}, false},
		{"ends_with_empty_assistant", []Message{{Role: RoleUser, Content: "hi"}, {Role: RoleAssistant, Content: " "}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPrefill(tt.turns); got != tt.want {
				t.Errorf("IsPrefill(%+v) = %v, want %v", tt.turns, got, tt.want)
			}
		})
	}
}

func TestContinuesLast(t *testing.T) {
	user := Message{Role: RoleUser, Content: "write a poem"}
	partial := Message{Role: RoleAssistant, Content: "Roses are red,"}
	nudge := Message{Role: RoleSystem, Content: "[Continue your last message without repeating its original content.]"}
	tests := []struct {
		name    string
		dialect Dialect
		msgs    []Message
		want    bool
		prefill bool
	}{
		{"anthropic_prefill", Anthropic, []Message{user, partial}, true, false},
		{"ollama_prefill", OllamaChat, []Message{user, partial}, true, false},
		{"gemini_trailing_model_turn", Gemini, []Message{user, partial}, true, false},
		{"openai_trailing_assistant_is_a_new_turn", OpenAIChat, []Message{user, partial}, false, false},
		{"responses_trailing_assistant_is_a_new_turn", OpenAIResponses, []Message{user, partial}, false, false},
		{"openai_continue_nudge", OpenAIChat, []Message{user, partial, nudge}, true, false},
		{"openai_ends_with_user", OpenAIChat, []Message{user, nudge}, false, false},
		{"anthropic_ends_with_user", Anthropic, []Message{partial, user}, false, false},
		{"deepseek_prefix_flag", OpenAIChat, []Message{user, partial}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Round{Dialect: tt.dialect, Messages: tt.msgs, Prefill: tt.prefill}
			if got := ContinuesLast(r, SplitHistory(tt.msgs).Turns); got != tt.want {
				t.Errorf("ContinuesLast(%s %+v) = %v, want %v", tt.dialect, tt.msgs, got, tt.want)
			}
		})
	}
}

func TestContinue(t *testing.T) {
	tests := []struct {
		name, prefill, cont, want string
	}{
		{"appended", "Roses are red,", " violets are blue.", "Roses are red, violets are blue."},
		{"json_prefill", "{", `"a": 1}`, `{"a": 1}`},
		{"server_echoes_prefill", "1, 2,", "1, 2, 3", "1, 2, 3"},
		{"postfix_and_leading_space", "Lean on me, ", " and mind the roots.", "Lean on me, and mind the roots."},
		{"postfix_only", "Lean on me, ", "and mind the roots.", "Lean on me, and mind the roots."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Continue(tt.prefill, tt.cont); got != tt.want {
				t.Errorf("Continue(%q, %q) = %q, want %q", tt.prefill, tt.cont, got, tt.want)
			}
		})
	}
}

func TestSimilar(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"small_fix", "Hello! How can I help you today?", "Hello! How can I help?", true},
		{"case_and_punctuation", "Tell a joke", "tell a joke!", true},
		{"different", "hello", "something else", false},
		{"empty", "", "hello", false},
		{"half_rewritten", "the cat sat on the mat", "the dog ran in the park", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Similar(tt.a, tt.b); got != tt.want {
				t.Errorf("Similar(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
