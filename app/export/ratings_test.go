package export_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestRatingsInExports captures the preference_traffic conversation through the
// real proxy and store, rates it through the store's API (a score of 4, one
// answer on the chosen path and one regeneration beside it thumbs down, one answer
// thumbs up) and exports it (issue 14, "Ratings … carried into exports"): dpo
// pairs by the thumbs rule where the thumbs decide, kto with the thumbs-down
// answers undesirable (each once, though the first is both rated and the worse of
// a pair) and the thumbs-up one desirable, sharegpt-jsonl with the score, and
// --min-score keeping or leaving out the conversation.
func TestRatingsInExports(t *testing.T) {
	ta, id := replayPreferenceTraffic(t)
	ctx := t.Context()
	d, err := ta.DB().Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Thumbs on the answers of the whole tree, found by their text.
	thumbs := map[string]int{
		"Boil it for 10 minutes":      -1, // on the chosen path: the client went on from it
		"Try it on a bed of spinach":  -1, // the older regeneration, off the path
		"Six and a half minutes from": 1,
	}
	rated := 0
	for _, sib := range d.Messages {
		for _, sid := range sib.SiblingIDs {
			if sid <= 0 {
				continue // the system prompt, not a captured message
			}
			m, err := ta.DB().Message(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			for prefix, th := range thumbs {
				if strings.HasPrefix(m.Content, prefix) {
					if err := ta.DB().SetThumb(ctx, sid, th); err != nil {
						t.Fatal(err)
					}
					rated++
				}
			}
		}
	}
	if rated != len(thumbs) {
		t.Fatalf("rated %d answers, want %d", rated, len(thumbs))
	}
	if err := ta.DB().SetScore(ctx, id, 4); err != nil {
		t.Fatal(err)
	}

	t.Run("dpo", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "pairs.jsonl")
		res, err := export.Run(ctx, ta.DB(), export.Options{Format: dataset.FormatPreference, Out: out,
			Record: dataset.ShareGPTOptions{Pairs: dataset.PairsSignalled}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[dataset.PairRule]int{dataset.RuleThumbs: 2, dataset.RuleClientEdit: 1} // both continued pairs now thumbs
		if diff := cmp.Diff(want, res.PairsByRule); diff != "" {
			t.Errorf("PairsByRule (-want +got):\n%s", diff)
		}
		lines := pairLines(t, out)
		for _, w := range []string{
			"How long do I boil an egg? | About 9 to 12 minutes for a hard-boiled egg. > Boil it for 10 minutes, then cool it in ice water.",
			"What do I serve it with? | Buttered toast soldiers are the classic. > Try it on a bed of spinach with a little salt.",
		} {
			if !strings.Contains(strings.Join(lines, "\n"), w) {
				t.Errorf("no pair %q in:\n%s", w, strings.Join(lines, "\n"))
			}
		}
	})

	t.Run("kto", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "kto.jsonl")
		res, err := export.Run(ctx, ta.DB(), export.Options{Format: dataset.FormatKTO, Out: out})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range readLines(t, out) {
			turns := rec["conversations"].([]any)
			last := turns[len(turns)-1].(map[string]any)["value"].(string)
			got = append(got, map[bool]string{true: "+ ", false: "- "}[rec["kto_tag"] == true]+last)
			if _, ok := rec["score"]; ok {
				t.Errorf("kto record with a score column: %v", rec)
			}
		}
		want := []string{
			"+ " + lastAnswer(t, d),
			"- Boil it for 10 minutes, then cool it in ice water.",
			"+ Six and a half minutes from the boil, then straight into cold water; the white sets and the yolk stays liquid.",
			"- Try it on a bed of spinach with a little salt.",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("kto examples (-want +got):\n%s", diff)
		}
		if res.Written != len(want) || res.Invalid != 0 {
			t.Errorf("Export wrote %d, invalid %d; want %d, 0", res.Written, res.Invalid, len(want))
		}
	})

	for _, tt := range []struct {
		name     string
		minScore int
		want     int
	}{{"sharegpt_jsonl", 0, 1}, {"min_score_4", 4, 1}, {"min_score_5", 5, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "s.jsonl")
			res, err := export.Run(ctx, ta.DB(), export.Options{Format: dataset.FormatShareGPTJSONL, Out: out,
				Filter: store.ExportFilter{List: store.ListOptions{MinScore: tt.minScore}}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != tt.want {
				t.Fatalf("Export wrote %d, want %d", res.Written, tt.want)
			}
			for _, rec := range readLines(t, out) {
				if rec["score"] != float64(4) {
					t.Errorf("score %v, want 4", rec["score"])
				}
			}
		})
	}
}

// lastAnswer is the text of the last assistant message of d's chosen path.
func lastAnswer(t *testing.T, d *store.Detail) string {
	t.Helper()
	for i := len(d.Messages) - 1; i >= 0; i-- {
		if d.Messages[i].Role == dataset.RoleAssistant {
			return d.Messages[i].Content
		}
	}
	t.Fatal("no answer")
	return ""
}
