package dataset

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestToPreference(t *testing.T) {
	sys := Message{Role: RoleSystem, Content: "be brief"}
	user := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	bot := func(s string) Message { return Message{Role: RoleAssistant, Content: s} }
	call := Message{Role: RoleAssistant, ToolCalls: []ToolCall{{Name: "f", Arguments: `{"x":1}`}}}
	tests := []struct {
		name    string
		pair    PreferencePair
		inline  bool
		want    string // the record as JSON, or the error's reason
		wantErr bool
	}{
		{"single_turn", PreferencePair{History: []Message{sys, user("hi")}, Chosen: bot("Hello!"), Rejected: bot("hello")}, false,
			`{"conversations":[{"from":"human","value":"hi"}],"chosen":{"from":"gpt","value":"Hello!"},"rejected":{"from":"gpt","value":"hello"},"system":"be brief"}`, false},
		{"system_inline", PreferencePair{History: []Message{sys, user("hi")}, Chosen: bot("a"), Rejected: bot("b")}, true,
			`{"conversations":[{"from":"system","value":"be brief"},{"from":"human","value":"hi"}],"chosen":{"from":"gpt","value":"a"},"rejected":{"from":"gpt","value":"b"}}`, false},
		{"multi_turn_with_tool_call", PreferencePair{History: []Message{user("hi"), bot("yes"), user("go")}, Chosen: call, Rejected: bot("no"),
			Tools: `[{"name":"f"}]`}, false,
			`{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yes"},{"from":"human","value":"go"}],"chosen":{"from":"function_call","value":"{\"name\":\"f\",\"arguments\":{\"x\":1}}"},"rejected":{"from":"gpt","value":"no"},"tools":"[{\"name\":\"f\"}]"}`, false},
		{"history_ends_with_answer", PreferencePair{History: []Message{user("hi"), bot("yes")}, Chosen: bot("a"), Rejected: bot("b")}, false,
			"does not end with a user turn", true},
		{"empty_history", PreferencePair{Chosen: bot("a"), Rejected: bot("b")}, false, "does not end with a user turn", true},
		{"same_answers", PreferencePair{History: []Message{user("hi")}, Chosen: bot("a"), Rejected: bot(" a ")}, false, "the same", true},
		{"empty_rejected", PreferencePair{History: []Message{user("hi")}, Chosen: bot("a"), Rejected: bot("")}, false, "rejected answer: empty", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := ToPreference(tt.pair, ShareGPTOptions{SystemInline: tt.inline})
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("ToPreference error = %v, want ErrInvalidRecord saying %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := marshalNoEscape(rec)
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPreferenceWriter(t *testing.T) {
	var out, invalid strings.Builder
	w := NewPreferenceWriter(&out, &invalid, ShareGPTOptions{})
	good := PreferencePair{ID: 1, History: []Message{{Role: RoleUser, Content: "q"}},
		Chosen: Message{Role: RoleAssistant, Content: "a"}, Rejected: Message{Role: RoleAssistant, Content: "b"}}
	bad := good
	bad.ID, bad.Rejected = 2, good.Chosen
	for _, p := range []PreferencePair{good, bad, good} {
		if err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := w.Close()
	if err != nil || rep.Written != 2 || rep.Invalid != 1 {
		t.Errorf("Close = %+v, %v; want 2 written, 1 invalid", rep, err)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("records = %d lines, want 2", n)
	}
	if !strings.Contains(invalid.String(), `"id":2`) {
		t.Errorf("invalid lines = %q, want conversation 2", invalid.String())
	}
}
