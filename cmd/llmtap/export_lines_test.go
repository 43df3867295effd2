package main

import (
	"testing"

	"github.com/llmtap/llmtap/dataset"
)

func TestExportSummaryLines(t *testing.T) {
	tests := []struct {
		name      string
		pairs     map[dataset.PairRule]int
		fixes     map[string]int
		wantPairs string
		wantFixes string
	}{
		{"none", nil, nil, "", ""},
		{"rules_strongest_first", map[dataset.PairRule]int{dataset.RuleNewest: 2, dataset.RuleContinued: 3, dataset.RulePreferred: 1},
			map[string]int{dataset.FixCut: 1, dataset.FixJoinAnswers: 2},
			"pairs by rule: preferred 1, continued 3, newest 2", "cut 1, joined consecutive answers 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pairsLine(tt.pairs); got != tt.wantPairs {
				t.Errorf("pairsLine(%v) = %q, want %q", tt.pairs, got, tt.wantPairs)
			}
			if got := fixesLine(tt.fixes); got != tt.wantFixes {
				t.Errorf("fixesLine(%v) = %q, want %q", tt.fixes, got, tt.wantFixes)
			}
		})
	}
}
