package dataset

import (
	"regexp"
	"testing"
)

func TestMessageKeyEqual(t *testing.T) {
	call := ToolCall{ID: "call_1", Name: "get_weather", Arguments: `{"location": "Paris", "unit": "c"}`}
	tests := []struct {
		name string
		a, b Message
	}{
		{"reasoning_not_resent",
			Message{Role: RoleAssistant, Content: "9.8 is greater.", Reasoning: "compare decimals"},
			Message{Role: RoleAssistant, Content: "9.8 is greater."}},
		{"surrounding_whitespace",
			Message{Role: RoleAssistant, Content: "\n\nHello there.  "},
			Message{Role: RoleAssistant, Content: "Hello there."}},
		{"crlf",
			Message{Role: RoleUser, Content: "line one\r\nline two"},
			Message{Role: RoleUser, Content: "line one\nline two"}},
		{"name_ignored",
			Message{Role: RoleUser, Content: "hi", Name: "alice"},
			Message{Role: RoleUser, Content: "hi"}},
		{"arguments_reencoded",
			Message{Role: RoleAssistant, ToolCalls: []ToolCall{call}},
			Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"unit":"c","location":"Paris"}`}}}},
		{"null_content_is_empty",
			Message{Role: RoleAssistant, Content: "", ToolCalls: []ToolCall{call}},
			Message{Role: RoleAssistant, Content: "  ", ToolCalls: []ToolCall{call}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := MessageKey("p", tt.a), MessageKey("p", tt.b); ka != kb {
				t.Errorf("MessageKey(p, %+v) = %s, MessageKey(p, %+v) = %s, want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}

func TestMessageKeyDiffers(t *testing.T) {
	base := Message{Role: RoleAssistant, Content: "Hello", ToolCalls: []ToolCall{{ID: "c1", Name: "f", Arguments: `{"a":1}`}}}
	tests := []struct {
		name   string
		parent string
		m      Message
	}{
		{"other_parent", "x", base},
		{"other_content", "", Message{Role: RoleAssistant, Content: "Hello!", ToolCalls: base.ToolCalls}},
		{"inner_whitespace", "", Message{Role: RoleAssistant, Content: "Hel lo", ToolCalls: base.ToolCalls}},
		{"other_role", "", Message{Role: RoleUser, Content: "Hello", ToolCalls: base.ToolCalls}},
		{"other_call_id", "", Message{Role: RoleAssistant, Content: "Hello", ToolCalls: []ToolCall{{ID: "c2", Name: "f", Arguments: `{"a":1}`}}}},
		{"other_arguments", "", Message{Role: RoleAssistant, Content: "Hello", ToolCalls: []ToolCall{{ID: "c1", Name: "f", Arguments: `{"a":2}`}}}},
		{"no_calls", "", Message{Role: RoleAssistant, Content: "Hello"}},
		{"tool_call_id", "", Message{Role: RoleAssistant, Content: "Hello", ToolCalls: base.ToolCalls, ToolCallID: "c1"}},
	}
	want := MessageKey("", base)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MessageKey(tt.parent, tt.m); got == want {
				t.Errorf("MessageKey(%q, %+v) = %s, the same as for %+v", tt.parent, tt.m, got, base)
			}
		})
	}
}

func TestPathKeys(t *testing.T) {
	// The stored round: history and the answer, with reasoning.
	stored := []Message{
		{Role: RoleSystem, Content: "Be brief."},
		{Role: RoleUser, Content: "Hi"},
		{Role: RoleAssistant, Content: "Hello!\n", Reasoning: "greet back"},
	}
	// The next request resends the answer without reasoning and trimmed.
	resent := []Message{
		{Role: RoleSystem, Content: "Be brief."},
		{Role: RoleUser, Content: "Hi"},
		{Role: RoleAssistant, Content: "Hello!"},
		{Role: RoleUser, Content: "How are you?"},
	}
	sk, rk := PathKeys(stored), PathKeys(resent)
	if len(sk) != 3 || len(rk) != 4 {
		t.Fatalf("PathKeys lengths = %d, %d, want 3, 4", len(sk), len(rk))
	}
	for i := range sk {
		if sk[i] != rk[i] {
			t.Errorf("PathKeys prefix %d: stored %s, resent %s, want equal", i, sk[i], rk[i])
		}
	}
	if sk[0] != MessageKey("", stored[0]) || sk[1] != MessageKey(sk[0], stored[1]) {
		t.Errorf("PathKeys(%+v) = %v, want each key chained to its parent", stored, sk)
	}
	// A different first message changes every later key.
	other := PathKeys(append([]Message{{Role: RoleSystem, Content: "Be long."}}, resent[1:]...))
	for i := range other {
		if other[i] == rk[i] {
			t.Errorf("PathKeys with another system prompt: key %d = %s, want different", i, other[i])
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(sk[0]) {
		t.Errorf("MessageKey = %q, want 32 lowercase hex digits", sk[0])
	}
	if got := PathKeys(nil); len(got) != 0 {
		t.Errorf("PathKeys(nil) = %v, want empty", got)
	}
}

func TestCanonicalText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Hello there.", "Hello there."},
		{"surrounding", "  \n Hello. \n", "Hello."},
		{"inner_runs", "a  b\t\tc\u00a0d", "a b c d"},
		{"line_edges", "one  \n  two", "one\ntwo"},
		{"blank_lines", "para one\n\n\n\npara two", "para one\npara two"},
		{"crlf", "one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"unicode_kept", "héllo — wörld", "héllo — wörld"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := canonicalText(tt.in)
			if got != tt.want {
				t.Errorf("canonicalText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := canonicalText(got); again != got {
				t.Errorf("canonicalText(%q) = %q, not idempotent", got, again)
			}
			if isCanonicalText(tt.in) != (tt.in == tt.want) {
				t.Errorf("isCanonicalText(%q) = %v, want %v", tt.in, isCanonicalText(tt.in), tt.in == tt.want)
			}
		})
	}
}

func TestMessageKeyMedia(t *testing.T) {
	img := func(md ...Media) Message { return Message{Role: RoleUser, Content: "what is this", Media: md} }
	cat, dog := []byte("cat"), []byte("dog")
	tests := []struct {
		name  string
		a, b  Message
		equal bool
	}{
		{"same_bytes", img(Media{Kind: "image", Data: cat}), img(Media{Kind: "image", Data: cat}), true},
		{"bytes_and_their_stored_hash", img(Media{Kind: "image", Data: cat}), img(Media{Kind: "image", Hash: MediaHash(cat)}), true},
		{"other_bytes", img(Media{Kind: "image", Data: cat}), img(Media{Kind: "image", Data: dog}), false},
		{"other_url", img(Media{Kind: "image", URL: "https://x/1.png"}), img(Media{Kind: "image", URL: "https://x/2.png"}), false},
		{"media_or_none", img(Media{Kind: "image", Data: cat}), img(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := MessageKey("", tt.a), MessageKey("", tt.b); (ka == kb) != tt.equal {
				t.Errorf("MessageKey equal = %v, want %v", ka == kb, tt.equal)
			}
		})
	}
}
