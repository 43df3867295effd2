package dataset

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestRepairWriter writes conversations no format takes as they are and compares
// the records, the invalid lines and the report with testdata/repair/<case>.golden.json:
// a round is repaired where that is safe, or the conversation cut before it, and
// only a conversation without one writable round is left out (issue 12).
func TestRepairWriter(t *testing.T) {
	u := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	a := func(s string) Message { return Message{Role: RoleAssistant, Content: s} }
	call := func(args string) Message {
		return Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Name: "get_weather", Arguments: args}}}
	}
	result := Message{Role: RoleTool, ToolCallID: "call_1", Content: `{"temp":21}`}
	tests := []struct {
		name   string
		format ExportFormat
		msgs   []Message
	}{
		{"valid_untouched", FormatShareGPTJSONL, []Message{u("hi"), a("hello")}},
		{"consecutive_answers_joined", FormatShareGPTJSONL, []Message{u("write a poem"), a("Roses are red,"), a("violets are blue."), u("thanks"), a("any time")}},
		{"group_chat_answers_joined_named", FormatShareGPTJSONL, []Message{u("hello both"),
			{Role: RoleAssistant, Name: "Seraphina", Content: "Welcome."}, {Role: RoleAssistant, Name: "Kael", Content: "Hmph."}}},
		{"argument_string_parsed", FormatShareGPTJSONL, []Message{u("weather in Paris?"), call(`"{\"city\":\"Paris\"}"`), result, a("21 degrees")}},
		{"cut_before_bad_round", FormatShareGPTJSONL, []Message{u("hi"), a("hello"), u("go on"), a(""), u("well?"), a("sorry")}},
		{"cut_openai", FormatOpenAIJSONL, []Message{u("weather?"), call(`{"city":"Paris"}`), result, a("21 degrees"), u("and now?"), result, a("same")}},
		{"nothing_writable", FormatShareGPTJSONL, []Message{u("hi"), a("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, invalid bytes.Buffer
			rw, err := NewRepairWriter(tt.format, &out, &invalid, ShareGPTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := rw.Write(Conversation{ID: 7, Title: tt.name, Messages: tt.msgs}); err != nil {
				t.Fatal(err)
			}
			rep, err := rw.Close()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "repair", tt.name+".golden.json"), struct {
				Records string       `json:"records"`
				Invalid string       `json:"invalid"`
				Report  ExportReport `json:"report"`
			}{out.String(), invalid.String(), rep})
		})
	}
}

func TestRepairLeavesInputAlone(t *testing.T) {
	msgs := []Message{{Role: RoleUser, Content: "q"}, {Role: RoleAssistant, Content: "a"}, {Role: RoleAssistant, Content: "b"}}
	c, fixes := Repair(Conversation{Messages: msgs})
	if len(fixes) != 1 || len(c.Messages) != 2 || c.Messages[1].Content != "a\n\nb" {
		t.Errorf("Repair = %+v, %v; want the answers joined", c.Messages, fixes)
	}
	if msgs[1].Content != "a" || len(msgs) != 3 {
		t.Errorf("Repair changed its input: %+v", msgs)
	}
}

// FuzzRepairWriter writes any conversation with the RepairWriter: it never fails
// on a conversation, each record it writes passes the format's own check, and every
// conversation is either written (perhaps fixed, and then described) or described
// as left out.
func FuzzRepairWriter(f *testing.F) {
	dir := filepath.Join("testdata", "sharegpt")
	for _, name := range goldenCases(f, dir, ".in.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".in.json")))
	}
	f.Add([]byte(`{"conversation":{"id":1,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},` +
		`{"role":"assistant","content":"b"},{"role":"assistant","tool_calls":[{"id":"c","name":"f","arguments":"\"{\\\"x\\\":1}\""}]},` +
		`{"role":"tool","tool_call_id":"c","content":"1"},{"role":"user","content":""},{"role":"assistant","content":"z"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in shareGPTInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		var out, invalid bytes.Buffer
		rw, err := NewRepairWriter(FormatShareGPTJSONL, &out, &invalid, ShareGPTOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rw.Write(in.Conversation); err != nil {
			t.Fatal(err)
		}
		rep, err := rw.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Written+rep.Invalid != 1 {
			t.Fatalf("report %+v: want the conversation written or left out", rep)
		}
		checkShareGPTFile(t, FormatShareGPTJSONL, out.Bytes(), rep.Written)
		fixed := 0
		for _, n := range rep.Fixes {
			fixed += n
		}
		if (rep.Invalid > 0 || fixed > 0) && !json.Valid(invalid.Bytes()) {
			t.Fatalf("invalid line %q is not JSON", invalid.String())
		}
	})
}
