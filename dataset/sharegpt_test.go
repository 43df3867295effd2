package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
)

// shareGPTInput is a golden input: a conversation and the options to convert it with.
type shareGPTInput struct {
	Options struct {
		SystemInline bool       `json:"systemInline"`
		Opener       OpenerMode `json:"opener"`
		OpenerPrefix string     `json:"openerPrefix"`
		Names        NameMode   `json:"names"`
		// Reasoning and ReasoningHistory are the reasoning policy.
		Reasoning        ReasoningMode `json:"reasoning"`
		ReasoningHistory bool          `json:"reasoningHistory"`
		// Images writes the images the messages carry (memoryMedia).
		Images bool `json:"images"`
	} `json:"options"`
	Conversation Conversation `json:"conversation"`
	// Pairs are preference pairs, for the formats written from them.
	Pairs []PreferencePair `json:"pairs"`
}

// options are the writer options the input names.
func (in shareGPTInput) options() ShareGPTOptions {
	opt := ShareGPTOptions{SystemInline: in.Options.SystemInline, Opener: in.Options.Opener,
		OpenerPrefix: in.Options.OpenerPrefix, Names: in.Options.Names,
		Reasoning: in.Options.Reasoning, ReasoningHistory: in.Options.ReasoningHistory}
	if in.Options.Images {
		opt.Media = memoryMedia{}
	}
	return opt
}

// memoryMedia is the MediaStore of a test: an image is named images/<hash>.<ext>
// (hashed here, as the store does), or by its URL, and its data: URL is made from
// its bytes.
type memoryMedia struct{}

func (memoryMedia) Path(m Media) (string, error) {
	if len(m.Data) == 0 {
		return m.URL, nil
	}
	sum := sha256.Sum256(m.Data)
	return "images/" + hex.EncodeToString(sum[:8]) + MediaExt(m.MIME), nil
}

func (memoryMedia) DataURL(m Media) (string, error) { return DataURL(m), nil }

// shareGPTGolden is a golden output: the record and its warnings, or the error text.
type shareGPTGolden struct {
	Record   *ShareGPTRecord `json:"record,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	Error    string          `json:"error,omitempty"`
}

func TestToShareGPTGolden(t *testing.T) {
	dir := filepath.Join("testdata", "sharegpt")
	for _, name := range goldenCases(t, dir, ".in.json") {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join(dir, name)
			var in shareGPTInput
			if err := json.Unmarshal(readFile(t, base+".in.json"), &in); err != nil {
				t.Fatal(err)
			}
			rec, err := ToShareGPT(in.Conversation, ShareGPTOptions{SystemInline: in.Options.SystemInline,
				Opener: in.Options.Opener, OpenerPrefix: in.Options.OpenerPrefix, Names: in.Options.Names})
			var got shareGPTGolden
			if err != nil {
				if !errors.Is(err, ErrInvalidRecord) {
					t.Errorf("ToShareGPT error = %v, want it to wrap ErrInvalidRecord", err)
				}
				got.Error = err.Error()
			} else {
				if err := ValidateShareGPT(rec); err != nil {
					t.Errorf("ValidateShareGPT(ToShareGPT(...)) = %v, want nil", err)
				}
				got.Record, got.Warnings = rec, rec.Warnings
			}
			checkGolden(t, base+".golden.json", got)
		})
	}
}

func TestValidateShareGPT(t *testing.T) {
	h := func(v string) ShareGPTTurn { return ShareGPTTurn{From: TagHuman, Value: v} }
	g := func(v string) ShareGPTTurn { return ShareGPTTurn{From: TagGPT, Value: v} }
	fc := func(v string) ShareGPTTurn { return ShareGPTTurn{From: TagFunctionCall, Value: v} }
	obs := ShareGPTTurn{From: TagObservation, Value: "result"}
	sys := ShareGPTTurn{From: TagSystem, Value: "be nice"}
	call := `{"name":"f","arguments":{"a":1}}`
	tests := []struct {
		name    string
		rec     *ShareGPTRecord
		wantErr bool
	}{
		{"plain", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), g("hello")}}, false},
		{"leading_system", &ShareGPTRecord{Conversations: []ShareGPTTurn{sys, h("hi"), g("hello")}}, false},
		{"tool_round", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(call), obs, g("done")}, Tools: `[{"name":"f","parameters":{"type":"object","properties":{}}}]`}, false},
		{"tool_without_parameters", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(call), obs, g("done")}, Tools: `[{"name":"f"}]`}, true},
		{"images_placeholders", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("<image><image>two"), g("yes")}, Images: []string{"a.png", "b.png"}}, false},
		{"images_missing_placeholder", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("<image>two"), g("yes")}, Images: []string{"a.png", "b.png"}}, true},
		{"parallel_calls", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc("[" + call + "," + call + "]")}}, false},
		{"empty_observation", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(call), {From: TagObservation}, g("ok")}}, false},
		{"nil", nil, true},
		{"no_turns", &ShareGPTRecord{}, true},
		{"only_system", &ShareGPTRecord{Conversations: []ShareGPTTurn{sys}}, true},
		{"odd_count", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), g("hello"), h("again")}}, true},
		{"starts_with_gpt", &ShareGPTRecord{Conversations: []ShareGPTTurn{g("hello"), h("hi")}}, true},
		{"system_in_middle", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), sys}}, true},
		{"unknown_tag", &ShareGPTRecord{Conversations: []ShareGPTTurn{{From: "user", Value: "hi"}, g("hello")}}, true},
		{"empty_gpt", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), g("")}}, true},
		{"empty_human", &ShareGPTRecord{Conversations: []ShareGPTTurn{h(""), g("hello")}}, true},
		{"call_not_json", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc("f(1)")}}, true},
		{"call_without_name", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(`{"arguments":{}}`)}}, true},
		{"call_arguments_string", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(`{"name":"f","arguments":"{}"}`)}}, true},
		{"empty_call_list", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), fc(`[]`)}}, true},
		{"tools_not_array", &ShareGPTRecord{Conversations: []ShareGPTTurn{h("hi"), g("hello")}, Tools: `{}`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateShareGPT(tt.rec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateShareGPT(%+v) = %v, want error %v", tt.rec, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("ValidateShareGPT(%+v) = %v, want it to wrap ErrInvalidRecord", tt.rec, err)
			}
		})
	}
}

func TestParseOptionModes(t *testing.T) {
	tests := []struct {
		name, in string
		names    bool // parse as a NameMode, not an OpenerMode
		want     string
		wantErr  bool
	}{
		{"opener_default", "", false, "system", false},
		{"opener_drop", "drop", false, "drop", false},
		{"opener_bad", "keep", false, "", true},
		{"names_default", "", true, "auto", false},
		{"names_off", "off", true, "off", false},
		{"names_bad", "yes", true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var err error
			if tt.names {
				var m NameMode
				m, err = ParseNameMode(tt.in)
				got = string(m)
			} else {
				var m OpenerMode
				m, err = ParseOpenerMode(tt.in)
				got = string(m)
			}
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parse(%q) = %q, %v, want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestOnlySpeakerAdded(t *testing.T) {
	tests := []struct {
		name, text, edited string
		want               bool
	}{
		{"name_added", "*She smiles.* Rest here.", "Seraphina: *She smiles.* Rest here.", true},
		{"two_word_name", "Yes.", "Old Kael: Yes.", true},
		{"text_changed", "Rest here.", "Seraphina: Rest there.", false},
		{"same_text", "Rest here.", "Rest here.", false},
		{"colon_in_text", "Note: rest.", "Note: rest.", false},
		{"multiline_prefix", "b", "a\nx: b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OnlySpeakerAdded(tt.text, tt.edited); got != tt.want {
				t.Errorf("OnlySpeakerAdded(%q, %q) = %v, want %v", tt.text, tt.edited, got, tt.want)
			}
		})
	}
}
