package export_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

// TestValidityAPI: GET /api/conversations/{id}/validity runs a format's converter
// and validator on one conversation: a plain chat is valid for every conversation
// format and has no pair; a chat whose only answer is marked "don't train" is
// not, and says why; a reviewer's edit is a pair.
func TestValidityAPI(t *testing.T) {
	ta := exportFixture(t)
	ids := ta.ids(t)
	tests := []struct {
		name, chat, query string
		wantStatus        int
		want              export.Validity
	}{
		{"plain_sharegpt", "chat 1", "", 200, export.Validity{Format: dataset.FormatShareGPTJSONL, Valid: true, Records: 1, Reasons: []string{}}},
		{"plain_openai", "chat 1", "?format=openai-jsonl", 200, export.Validity{Format: dataset.FormatOpenAIJSONL, Valid: true, Records: 1, Reasons: []string{}}},
		{"plain_alpaca", "chat 2", "?format=alpaca&system=inline", 200, export.Validity{Format: dataset.FormatAlpaca, Valid: true, Records: 1, Reasons: []string{}}},
		{"plain_no_pair", "chat 1", "?format=dpo", 200, export.Validity{Format: dataset.FormatPreference, Reasons: []string{export.NoPairs}}},
		{"not_trained", "chat 6", "?format=sharegpt", 200, export.Validity{Format: dataset.FormatShareGPTJSONL, Reasons: []string{"no assistant answer"}}},
		{"edit_is_a_pair", "chat 0", "?format=openai-dpo", 200, export.Validity{Format: dataset.FormatOpenAIDPO, Valid: true, Records: 1, Reasons: []string{},
			PairsByRule: map[dataset.PairRule]int{dataset.RuleReviewerEdit: 1}}},
		{"edit_signalled", "chat 0", "?format=dpo&pairs=signalled", 200, export.Validity{Format: dataset.FormatPreference, Valid: true, Records: 1, Reasons: []string{},
			PairsByRule: map[dataset.PairRule]int{dataset.RuleReviewerEdit: 1}}},
		{"unknown_format", "chat 1", "?format=csv", 400, export.Validity{}},
		{"bad_pairs", "chat 1", "?format=dpo&pairs=some", 400, export.Validity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := ids["#"+tt.chat]
			if !ok {
				t.Fatalf("no conversation %q", tt.chat)
			}
			code, body := ta.send(t, "GET", fmt.Sprintf("/api/conversations/%d/validity%s", id, tt.query), "")
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", code, tt.wantStatus, body)
			}
			if code != 200 {
				return
			}
			var got export.Validity
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("validity (-want +got):\n%s", diff)
			}
		})
	}
	if code, body := ta.send(t, "GET", "/api/conversations/999999/validity", ""); code != 404 {
		t.Errorf("a missing conversation: %d %s, want 404", code, body)
	}
}
