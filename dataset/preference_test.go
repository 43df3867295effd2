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
			`{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yes"},{"from":"human","value":"go"}],"chosen":{"from":"function_call","value":"{\"name\":\"f\",\"arguments\":{\"x\":1}}"},"rejected":{"from":"gpt","value":"no"},"tools":"[{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}]"}`, false},
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

// TestToPreferenceOpener checks that a character's greeting before the first user
// turn goes by the opener option and never stands as an answer (issue 16).
func TestToPreferenceOpener(t *testing.T) {
	sys := Message{Role: RoleSystem, Content: "You are Seraphina."}
	greeting := Message{Role: RoleAssistant, Name: "Seraphina", Content: "*Seraphina smiles* Welcome."}
	kael := Message{Role: RoleAssistant, Name: "Kael", Content: "Another stray?"}
	user := Message{Role: RoleUser, Content: "Hello."}
	a := Message{Role: RoleAssistant, Name: "Kael", Content: "Leave."}
	b := Message{Role: RoleAssistant, Name: "Kael", Content: "Stay."}
	tests := []struct {
		name string
		hist []Message
		opt  ShareGPTOptions
		want string
	}{
		{"greeting_into_system", []Message{sys, greeting, user}, ShareGPTOptions{Names: NamesOff},
			`{"conversations":[{"from":"human","value":"Hello."}],"chosen":{"from":"gpt","value":"Leave."},"rejected":{"from":"gpt","value":"Stay."},"system":"You are Seraphina.\n\nThe conversation opened with:\n*Seraphina smiles* Welcome."}`},
		{"greeting_dropped", []Message{sys, greeting, user}, ShareGPTOptions{Opener: OpenerDrop, Names: NamesOff},
			`{"conversations":[{"from":"human","value":"Hello."}],"chosen":{"from":"gpt","value":"Leave."},"rejected":{"from":"gpt","value":"Stay."},"system":"You are Seraphina."}`},
		{"group_names_auto", []Message{greeting, kael, user}, ShareGPTOptions{OpenerPrefix: "Opening:"},
			`{"conversations":[{"from":"human","value":"Hello."}],"chosen":{"from":"gpt","value":"Kael: Leave."},"rejected":{"from":"gpt","value":"Kael: Stay."},"system":"Opening:\nSeraphina: *Seraphina smiles* Welcome.\n\nKael: Another stray?"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := ToPreference(PreferencePair{History: tt.hist, Chosen: a, Rejected: b}, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := marshalNoEscape(rec)
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
}
