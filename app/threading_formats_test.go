package app

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/threadcase"
	"github.com/llmtap/llmtap/store"
)

// TestSillyTavernCasesEveryFormat exports every SillyTavern threading case (a chat
// that opens with the character's greeting, with and without a swipe of it, group
// chats under each names setting, Continue on the greeting) in every format and
// checks issue 16's rules on each file: no record is refused for opening with the
// greeting; ShareGPT, KTO and Alpaca carry it in the system prompt; openai-jsonl and
// messages-jsonl keep it as a leading assistant message marked not to train on; and
// no preference pair or undesirable KTO example ever has it as an answer.
func TestSillyTavernCasesEveryFormat(t *testing.T) {
	for _, name := range sillyTavernCases(t) {
		t.Run(name, func(t *testing.T) {
			db := storeCase(t, name)
			greetings := openerTexts(t, db)
			for _, spec := range dataset.Formats() {
				t.Run(string(spec.Format), func(t *testing.T) {
					var out, invalid bytes.Buffer
					report, err := export.WriteDataset(t.Context(), db, spec.Format, store.ExportFilter{},
						dataset.ShareGPTOptions{}, &out, &invalid, nil)
					if err != nil {
						t.Fatal(err)
					}
					if strings.Contains(invalid.String(), "starts with an assistant") {
						t.Errorf("a record was refused for its opener:\n%s", invalid.String())
					}
					if !spec.Pairs && report.Written == 0 {
						t.Fatalf("no record written; invalid:\n%s", invalid.String())
					}
					checkOpenerRules(t, spec, exportRecords(t, spec, out.Bytes()), greetings)
				})
			}
		})
	}
}

// openerTexts returns the greetings the case's conversations open with, trimmed.
func openerTexts(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	err := db.EachConversation(t.Context(), store.ExportFilter{}, func(c dataset.Conversation) error {
		for _, m := range dataset.SplitOpening(c.Messages).Opener {
			if s := strings.TrimSpace(m.Content); s != "" {
				out = append(out, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// exportRecords decodes an export file: a JSON array (sharegpt) or JSON Lines.
func exportRecords(t *testing.T, spec dataset.FormatSpec, b []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	if spec.Format == dataset.FormatShareGPT {
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatalf("decode %s: %v", spec.Format, err)
		}
		return recs
	}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("decode %s line %q: %v", spec.Format, line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func checkOpenerRules(t *testing.T, spec dataset.FormatSpec, recs []map[string]any, greetings []string) {
	t.Helper()
	isGreeting := func(s string) bool {
		s = strings.TrimSpace(s)
		for _, g := range greetings {
			// An answer may carry its speaker's "Name: " before the text.
			if s == g || strings.HasSuffix(s, ": "+g) {
				return true
			}
		}
		return false
	}
	systemHolds := func(sys string) bool {
		for _, g := range greetings {
			if strings.Contains(sys, g) {
				return true
			}
		}
		return false
	}
	leading := 0 // records whose first dialogue message is the greeting
	inSystem := 0
	for i, r := range recs {
		switch spec.Format {
		case dataset.FormatOpenAIJSONL, dataset.FormatMessagesJSONL:
			msgs, _ := r["messages"].([]any)
			for _, m := range msgs {
				mm, _ := m.(map[string]any)
				if mm["role"] == "system" {
					continue
				}
				if mm["role"] == "assistant" {
					content, _ := mm["content"].(string)
					if !isGreeting(content) {
						t.Errorf("record %d opens with an assistant message that is no greeting: %q", i, content)
					}
					leading++
					if spec.Format == dataset.FormatOpenAIJSONL && mm["weight"] != float64(0) {
						t.Errorf("record %d: the greeting is trained on (weight %v)", i, mm["weight"])
					}
					if spec.Format == dataset.FormatMessagesJSONL && mm["train"] != false {
						t.Errorf("record %d: the greeting is trained on (train %v)", i, mm["train"])
					}
				}
				break
			}
		case dataset.FormatShareGPT, dataset.FormatShareGPTJSONL, dataset.FormatKTO:
			turns, _ := r["conversations"].([]any)
			if len(turns) > 0 {
				if first, _ := turns[0].(map[string]any); first["from"] == "gpt" {
					t.Errorf("record %d opens with a gpt turn", i)
				}
			}
			if sys, _ := r["system"].(string); systemHolds(sys) {
				inSystem++
			}
			if spec.Format == dataset.FormatKTO && r["kto_tag"] == false && len(turns) > 0 {
				last, _ := turns[len(turns)-1].(map[string]any)
				if v, _ := last["value"].(string); last["from"] == "gpt" && isGreeting(v) {
					t.Errorf("record %d: an undesirable KTO example is the greeting", i)
				}
			}
		case dataset.FormatAlpaca:
			if sys, _ := r["system"].(string); systemHolds(sys) {
				inSystem++
			}
		}
		if spec.Pairs {
			for _, key := range []string{"chosen", "rejected", "preferred_output", "non_preferred_output"} {
				for _, s := range strings_(r[key]) {
					if isGreeting(s) {
						t.Errorf("record %d: %s is the greeting %q", i, key, s)
					}
				}
			}
		}
	}
	if len(greetings) == 0 || len(recs) == 0 {
		return
	}
	switch spec.Format {
	case dataset.FormatOpenAIJSONL, dataset.FormatMessagesJSONL:
		if leading == 0 {
			t.Errorf("no record keeps the greeting as its leading assistant message")
		}
	case dataset.FormatShareGPT, dataset.FormatShareGPTJSONL, dataset.FormatAlpaca:
		if inSystem == 0 {
			t.Errorf("no record carries the greeting in its system prompt")
		}
	}
}

// strings_ returns every string inside v (an answer: a turn, a message list or a
// plain string).
func strings_(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, strings_(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, e := range x {
			if k == "value" || k == "content" {
				out = append(out, strings_(e)...)
			}
		}
		return out
	}
	return nil
}

// sillyTavernCases names the SillyTavern threading cases (issue 16).
func sillyTavernCases(t *testing.T) []string {
	t.Helper()
	names, err := threadcase.Names(threadingDir, "sillytavern_")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// storeCase writes the exchanges of threading case name into a new store.
func storeCase(t *testing.T, name string) *store.DB {
	t.Helper()
	return threadcase.NewStore(t, filepath.Join(threadingDir, name), toCapture)
}

// writeCase writes the exchanges of threading case name into db, as capture does.
func writeCase(t *testing.T, db *store.DB, name string) {
	t.Helper()
	if err := threadcase.Store(t.Context(), db, filepath.Join(threadingDir, name), toCapture); err != nil {
		t.Fatal(err)
	}
}
