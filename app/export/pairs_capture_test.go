package export_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestPairsFromCapturedTraffic replays the wire exchanges of the preference_traffic
// case (the OpenAI Python SDK: a regenerated answer, an answer the client rewrote
// completely, two n=2 completions) through the real proxy, capture log and indexer,
// lets a reviewer edit one answer, and exports preference pairs: one per rule that
// has a signal, and the newest-regeneration pair only when every pair is asked for
// (issue 12: the same traffic gave zero pairs before).
func TestPairsFromCapturedTraffic(t *testing.T) {
	ta, id := replayPreferenceTraffic(t)
	d, err := ta.DB().Conversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	testPairsFromCapturedTraffic(t, ta, d)
}

func testPairsFromCapturedTraffic(t *testing.T, ta *testApp, d *store.Detail) {
	for _, m := range d.Messages {
		if strings.HasPrefix(m.Content, "Brioche") {
			if err := ta.DB().EditMessage(t.Context(), m.ID, "Brioche with honey and a pinch of cinnamon."); err != nil {
				t.Fatal(err)
			}
		}
	}

	tests := []struct {
		name   string
		policy dataset.PairPolicy
		want   map[dataset.PairRule]int
		lines  []string
	}{
		{"all", dataset.PairsAll,
			map[dataset.PairRule]int{dataset.RuleContinued: 2, dataset.RuleClientEdit: 1, dataset.RuleReviewerEdit: 1, dataset.RuleNewest: 1},
			[]string{
				"How long do I boil an egg? | Boil it for 10 minutes, then cool it in ice water. > About 9 to 12 minutes for a hard-boiled egg.",
				"And for a runny yolk? | Six and a half minutes from the boil, then straight into cold water; the white sets and the yolk stays liquid. > For a runny yolk, boil it for 6 minutes.",
				"What do I serve it with? | Buttered toast soldiers are the classic. > Try it on a bed of spinach with a little salt.",
				"Something sweet instead? | Brioche with honey and a pinch of cinnamon. > Brioche with a drizzle of honey works well.",
				"Thanks. | You're welcome! > Enjoy your breakfast!",
			}},
		{"signalled", dataset.PairsSignalled,
			map[dataset.PairRule]int{dataset.RuleContinued: 2, dataset.RuleClientEdit: 1, dataset.RuleReviewerEdit: 1},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pairs.jsonl")
			res, err := export.Run(t.Context(), ta.DB(), export.Options{Format: dataset.FormatPreference, Out: out,
				Record: dataset.ShareGPTOptions{Pairs: tt.policy}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.PairsByRule); diff != "" {
				t.Errorf("PairsByRule (-want +got):\n%s", diff)
			}
			total := 0
			for _, n := range tt.want {
				total += n
			}
			if res.Written != total || res.Invalid != 0 {
				t.Errorf("Export wrote %d, invalid %d; want %d and 0", res.Written, res.Invalid, total)
			}
			if tt.lines != nil {
				if diff := cmp.Diff(tt.lines, pairLines(t, out)); diff != "" {
					t.Errorf("pairs (-want +got):\n%s", diff)
				}
			}
		})
	}
	// KTO makes an undesirable example only of the pair a reviewer marked (the
	// edited answer over its captured text), not of a regeneration or a client's
	// rewrite, which say nothing bad of the other answer.
	t.Run("kto", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "kto.jsonl")
		res, err := export.Run(t.Context(), ta.DB(), export.Options{Format: dataset.FormatKTO, Out: out})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[dataset.PairRule]int{dataset.RuleReviewerEdit: 1}, res.PairsByRule); diff != "" {
			t.Errorf("PairsByRule (-want +got):\n%s", diff)
		}
		var undesirable []string
		for _, rec := range readLines(t, out) {
			if rec["kto_tag"] == false {
				turns := rec["conversations"].([]any)
				undesirable = append(undesirable, turns[len(turns)-1].(map[string]any)["value"].(string))
			}
		}
		if diff := cmp.Diff([]string{"Brioche with a drizzle of honey works well."}, undesirable); diff != "" {
			t.Errorf("undesirable answers (-want +got):\n%s", diff)
		}
		if res.Written != len(readLines(t, out)) || res.Written < 2 || res.Invalid != 0 {
			t.Errorf("Export wrote %d, invalid %d", res.Written, res.Invalid)
		}
	})
}

// pairLines renders each record of a dpo-jsonl file as "last prompt turn | chosen > rejected".
func pairLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec dataset.PreferenceRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		last := rec.Conversations[len(rec.Conversations)-1]
		out = append(out, fmt.Sprintf("%s | %s > %s", last.Value, rec.Chosen.Value, rec.Rejected.Value))
	}
	return out
}
