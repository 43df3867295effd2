package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// openerApp is an app holding the threading golden case name, written as capture
// writes it.
func openerApp(t *testing.T, name string) (*testApp, int64) {
	t.Helper()
	ta := startApp(t, fakeOpenAI(t).URL)
	writeCase(t, ta.db, name)
	items, _, err := ta.db.ListConversations(t.Context(), store.ListOptions{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatalf("ListConversations = %d items, %v, want 1", len(items), err)
	}
	return ta, items[0].ID
}

// TestOpenerAPI checks what the API says of a SillyTavern chat whose greeting was
// swiped (issue 16): the greeting is the opener, and the export options decide
// where it goes.
func TestOpenerAPI(t *testing.T) {
	ta, id := openerApp(t, "sillytavern_greeting_swipe")
	var d store.Detail
	if code := ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", id), &d); code != 200 {
		t.Fatalf("GET conversation = %d", code)
	}
	var openers []bool
	var greeting store.Message
	for _, m := range d.Messages {
		if m.ID > 0 {
			openers = append(openers, m.Opener)
		}
		if m.Opener {
			greeting = m
		}
	}
	if want := "[true false false false false]"; fmt.Sprint(openers) != want {
		t.Errorf("opener of the path's messages = %v, want %s", openers, want)
	}
	if greeting.Siblings != 2 {
		t.Errorf("greeting siblings = %d, want 2 (the swiped greeting)", greeting.Siblings)
	}

	tests := []struct {
		name       string
		query      string
		wantStatus int
		wantSystem string // a part the record's system prompt must hold; "" for none
		notSystem  string // a part it must not hold
	}{
		{"default_into_system", "", 200, "The conversation opened with:\n*Moonlight spills", ""},
		{"custom_prefix", "?openerPrefix=" + "%5BGreeting%5D", 200, "[Greeting]\n*Moonlight", "The conversation opened with"},
		{"dropped", "?opener=drop", 200, "[Start a new Chat]", "Moonlight"},
		{"bad_opener", "?opener=keep", 400, "", ""},
		{"bad_names", "?names=maybe", 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec dataset.ShareGPTRecord
			code := ta.getJSON(t, fmt.Sprintf("/api/conversations/%d/record%s", id, tt.query), &rec)
			if code != tt.wantStatus {
				t.Fatalf("GET record%s = %d, want %d", tt.query, code, tt.wantStatus)
			}
			if code != 200 {
				return
			}
			if !strings.Contains(rec.System, tt.wantSystem) || (tt.notSystem != "" && strings.Contains(rec.System, tt.notSystem)) {
				t.Errorf("record system = %q, want it to hold %q and not %q", rec.System, tt.wantSystem, tt.notSystem)
			}
			if rec.Conversations[0].From != dataset.TagHuman {
				t.Errorf("first turn = %q, want %q", rec.Conversations[0].From, dataset.TagHuman)
			}
		})
	}
}

// TestOpenerNotAnAnswer checks that a greeting marked preferred over its swiped
// sibling makes no preference pair: it was never a generated answer (issue 16).
func TestOpenerNotAnAnswer(t *testing.T) {
	ta, id := openerApp(t, "sillytavern_greeting_swipe")
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", id), &d)
	for _, m := range d.Messages {
		if m.Opener {
			if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/messages/%d/preferred", m.ID), `{}`); code != 204 {
				t.Fatalf("PUT preferred = %d %s", code, body)
			}
		}
	}
	var p export.Preview
	if code := ta.getJSON(t, "/api/export/preview?format=dpo-jsonl", &p); code != 200 {
		t.Fatalf("GET preview = %d", code)
	}
	if p.Valid != 0 || p.Invalid != 0 {
		b, _ := json.Marshal(p)
		t.Errorf("dpo-jsonl preview = %s, want no pairs", b)
	}
}

// TestGreetingFirstPairs checks that the preference pairs of a chat that opens with
// the card's greeting are written, with the greeting in the prompt's system part.
func TestGreetingFirstPairs(t *testing.T) {
	ta, id := openerApp(t, "regenerate_swipe")
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", id), &d)
	var answer int64
	for _, m := range d.Messages {
		if m.Siblings == 3 {
			answer = m.ID
		}
	}
	if code, body := ta.send(t, "PUT", fmt.Sprintf("/api/messages/%d/preferred", answer), `{}`); code != 204 {
		t.Fatalf("PUT preferred = %d %s", code, body)
	}
	var p export.Preview
	if code := ta.getJSON(t, "/api/export/preview?format=dpo-jsonl", &p); code != 200 {
		t.Fatalf("GET preview = %d", code)
	}
	if p.Valid != 2 || p.Invalid != 0 {
		t.Fatalf("dpo-jsonl preview valid %d, invalid %d (%v), want 2 and 0", p.Valid, p.Invalid, p.Reasons)
	}
	var rec dataset.PreferenceRecord
	if err := json.Unmarshal(p.Records[0], &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.System, dataset.DefaultOpenerPrefix+"\n*You wake") || len(rec.Conversations) != 1 {
		t.Errorf("pair = %s, want the greeting in the system prompt and one human turn", p.Records[0])
	}
}

// TestGroupChatNoNamePairs checks that a group chat under SillyTavern's default
// names behavior, which resends each answer as "Name: text", makes no preference
// pair of the resent copy over the model's own answer.
func TestGroupChatNoNamePairs(t *testing.T) {
	ta, _ := openerApp(t, "sillytavern_group_chat_default_names")
	var p export.Preview
	if code := ta.getJSON(t, "/api/export/preview?format=dpo-jsonl", &p); code != 200 {
		t.Fatalf("GET preview = %d", code)
	}
	if p.Valid != 0 || p.Invalid != 0 {
		b, _ := json.Marshal(p)
		t.Errorf("dpo-jsonl preview = %s, want no pairs", b)
	}
}

// TestGroupChatPairPrompt checks that the pair of a group chat character's swiped
// answer is asked under that character's card, not the card of whoever spoke last
// (issue 16: another character's prompt parts never leak into a record), whatever
// SillyTavern's names setting: Completion Object (`name` fields), Message Content
// ("Name: " in every message) and None (the nudge alone names the speaker).
func TestGroupChatPairPrompt(t *testing.T) {
	for _, name := range []string{"sillytavern_group_chat_swipe", "sillytavern_group_chat_content_names", "sillytavern_group_chat_none_names"} {
		t.Run(name, func(t *testing.T) {
			ta, id := openerApp(t, name)
			var p export.Preview
			if code := ta.getJSON(t, "/api/export/preview?format=dpo-jsonl", &p); code != 200 {
				t.Fatalf("GET preview = %d", code)
			}
			if p.Valid != 1 || len(p.Records) != 1 || p.PairsByRule[dataset.RuleContinued] != 1 {
				b, _ := json.Marshal(p)
				t.Fatalf("dpo-jsonl preview = %s, want one pair by the continued rule", b)
			}
			var rec dataset.PreferenceRecord
			if err := json.Unmarshal(p.Records[0], &rec); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.System, "Kael is a scarred ranger") || strings.Contains(rec.System, "Seraphina is a guardian") {
				t.Errorf("pair system prompt = %q, want Kael's card and not Seraphina's", rec.System)
			}
			if !strings.Contains(rec.Chosen.Value, "I keep the pass") || !strings.Contains(rec.Rejected.Value, "northern pass") {
				t.Errorf("pair = %s, want the answer went on from chosen over the swiped-away one", p.Records[0])
			}
			// A system prompt the reviewer wrote holds for every speaker.
			if err := ta.db.SetSystem(t.Context(), id, "A fantasy group chat."); err != nil {
				t.Fatal(err)
			}
			if code := ta.getJSON(t, "/api/export/preview?format=dpo-jsonl", &p); code != 200 || len(p.Records) != 1 {
				b, _ := json.Marshal(p)
				t.Fatalf("GET preview = %d, %s", code, b)
			}
			if err := json.Unmarshal(p.Records[0], &rec); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(rec.System, "A fantasy group chat.\n\n"+dataset.DefaultOpenerPrefix) {
				t.Errorf("pair system prompt = %q, want the reviewer's", rec.System)
			}
		})
	}
}

// TestGroupChatNamesBehavior exports the two-character group chat as SillyTavern
// sends it under each "Character Names Behavior" setting as ShareGPT with each
// --names mode: one record per speaker, only that speaker's card in its system
// prompt, and the answers' "Name: " as the mode says (auto: as the wire showed
// them, since the greetings carry names only where the setting sends them).
func TestGroupChatNamesBehavior(t *testing.T) {
	cards := map[string]string{"Seraphina": "Seraphina is a guardian", "Kael": "Kael is a scarred ranger"}
	tests := []struct {
		name string
		auto bool // answers read "Name: text" under --names auto
	}{
		{"sillytavern_group_chat", true},                    // Completion Object: `name` fields
		{"sillytavern_group_chat_default_names", true},      // Default: "Name: " on characters' messages
		{"sillytavern_group_chat_default_names_echo", true}, // the model wrote "Name: " itself
		{"sillytavern_group_chat_content_names", true},      // Message Content: "Name: " on every message
		{"sillytavern_group_chat_none_names", false},        // None: the nudge alone
	}
	for _, tt := range tests {
		for _, mode := range []dataset.NameMode{dataset.NamesAuto, dataset.NamesOn, dataset.NamesOff} {
			t.Run(tt.name+"/"+string(mode), func(t *testing.T) {
				ta, _ := openerApp(t, tt.name)
				var out, invalid strings.Builder
				if _, err := export.WriteDataset(t.Context(), ta.db, dataset.FormatShareGPTJSONL, store.ExportFilter{},
					dataset.ShareGPTOptions{Names: mode}, &out, &invalid, nil); err != nil {
					t.Fatal(err)
				}
				if invalid.Len() > 0 {
					t.Errorf("invalid: %s", invalid.String())
				}
				lines := strings.Split(strings.TrimSpace(out.String()), "\n")
				if len(lines) != 2 {
					t.Fatalf("%d records, want one per speaker:\n%s", len(lines), out.String())
				}
				named := mode == dataset.NamesOn || mode == dataset.NamesAuto && tt.auto
				for _, line := range lines {
					var rec struct {
						System        string `json:"system"`
						Conversations []struct {
							From, Value string
						} `json:"conversations"`
					}
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatal(err)
					}
					var speaker []string
					for name, card := range cards {
						if strings.Contains(rec.System, card) {
							speaker = append(speaker, name)
						}
					}
					if len(speaker) != 1 {
						t.Fatalf("record system prompt holds the cards of %v, want one: %s", speaker, line)
					}
					for _, turn := range rec.Conversations {
						if turn.From != "gpt" {
							continue
						}
						prefixed := strings.HasPrefix(turn.Value, speaker[0]+": ")
						if prefixed != named {
							t.Errorf("%s answer %q: named %v, want %v", speaker[0], turn.Value, prefixed, named)
						}
						for name := range cards {
							if name != speaker[0] && strings.HasPrefix(turn.Value, name+": ") {
								t.Errorf("%s's record trains %s's answer %q", speaker[0], name, turn.Value)
							}
						}
					}
				}
			})
		}
	}
}
