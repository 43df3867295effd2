package dataset

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPairSiblings(t *testing.T) {
	tests := []struct {
		name string
		in   []Sibling
		want []SiblingPair
	}{
		{"single_answer", []Sibling{{ID: 1, Text: "a"}}, nil},
		{"swipes_newest_wins", []Sibling{{ID: 1, Exchange: 1, Text: "a"}, {ID: 2, Exchange: 2, Text: "b"}, {ID: 3, Exchange: 3, Text: "c"}},
			[]SiblingPair{{2, 0, RuleNewest}, {2, 1, RuleNewest}}},
		{"choices_first_wins", []Sibling{{ID: 1, Exchange: 4, Text: "a"}, {ID: 2, Exchange: 4, Text: "b"}},
			[]SiblingPair{{0, 1, RuleNewest}}},
		{"continued_beats_newer", []Sibling{{ID: 1, Text: "a", Continued: true}, {ID: 2, Text: "b"}},
			[]SiblingPair{{0, 1, RuleContinued}}},
		{"preferred_beats_continued", []Sibling{{ID: 1, Text: "a", Continued: true}, {ID: 2, Text: "b", Preferred: true}},
			[]SiblingPair{{1, 0, RulePreferred}}},
		{"two_paths_no_pair", []Sibling{{ID: 1, Text: "a", Continued: true}, {ID: 2, Text: "b", Continued: true}}, nil},
		{"client_edit_over_original", []Sibling{{ID: 1, Text: "the model's answer"}, {ID: 2, Text: "a new text", ClientEdit: true, Continued: true}},
			[]SiblingPair{{1, 0, RuleClientEdit}}},
		{"client_edit_replaces_similar_swipe", []Sibling{
			{ID: 1, Text: "hello there"}, {ID: 2, Text: "good evening"}, {ID: 3, Text: "hello there, friend", ClientEdit: true, Continued: true}},
			[]SiblingPair{{2, 0, RuleClientEdit}, {2, 1, RuleContinued}}},
		{"continue_partial_is_no_pair", []Sibling{{ID: 1, Exchange: 1, Text: "Once upon"}, {ID: 2, Exchange: 2, Text: "Once upon a time"}}, nil},
		{"preferred_original_over_client_edit", []Sibling{{ID: 1, Text: "x", Preferred: true}, {ID: 2, Text: "y", ClientEdit: true, Continued: true}},
			[]SiblingPair{{0, 1, RulePreferred}}},
		{"thumbs_up_over_down", []Sibling{{ID: 1, Exchange: 1, Text: "a", Thumb: 1}, {ID: 2, Exchange: 2, Text: "b", Thumb: -1}},
			[]SiblingPair{{0, 1, RuleThumbs}}},
		{"thumbs_unrated_over_down_beats_newest", []Sibling{{ID: 1, Exchange: 1, Text: "a"}, {ID: 2, Exchange: 2, Text: "b", Thumb: -1}},
			[]SiblingPair{{0, 1, RuleThumbs}}},
		{"thumbs_beat_continued", []Sibling{{ID: 1, Text: "a", Continued: true, Thumb: -1}, {ID: 2, Text: "b"}},
			[]SiblingPair{{1, 0, RuleThumbs}}},
		{"thumbs_up_alone_says_nothing_of_unrated", []Sibling{{ID: 1, Exchange: 1, Text: "a", Thumb: 1}, {ID: 2, Exchange: 2, Text: "b"}}, nil},
		{"thumbs_up_never_rejected_by_continued", []Sibling{{ID: 1, Text: "a", Thumb: 1}, {ID: 2, Text: "b", Continued: true}}, nil},
		{"thumbs_up_original_not_rejected_by_client_edit", []Sibling{{ID: 1, Text: "the model's answer", Thumb: 1}, {ID: 2, Text: "a new text", ClientEdit: true, Continued: true}}, nil},
		{"thumbs_every_rated_over_each_down", []Sibling{
			{ID: 1, Exchange: 1, Text: "a", Thumb: -1}, {ID: 2, Exchange: 2, Text: "b", Thumb: 1}, {ID: 3, Exchange: 3, Text: "c"}},
			[]SiblingPair{{2, 0, RuleThumbs}, {1, 0, RuleThumbs}}},
		{"preferred_wins_then_thumbs", []Sibling{
			{ID: 1, Text: "a", Preferred: true}, {ID: 2, Text: "b", Thumb: -1}, {ID: 3, Text: "c"}},
			[]SiblingPair{{0, 1, RulePreferred}, {0, 2, RulePreferred}, {2, 1, RuleThumbs}}},
		{"all_down_only_newest_none", []Sibling{{ID: 1, Exchange: 1, Text: "a", Thumb: -1}, {ID: 2, Exchange: 2, Text: "b", Thumb: -1}}, nil},
		{"down_client_edit_not_chosen", []Sibling{{ID: 1, Text: "the model's answer"}, {ID: 2, Text: "a new text", ClientEdit: true, Continued: true, Thumb: -1}},
			[]SiblingPair{{0, 1, RuleThumbs}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PairSiblings(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PairSiblings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPairPolicy(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want PairPolicy
		ok   bool
	}{{"", PairsAll, true}, {"all", PairsAll, true}, {"signalled", PairsSignalled, true}, {"some", "", false}} {
		got, err := ParsePairPolicy(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParsePairPolicy(%q) = %q, %v, want %q (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if PairsSignalled.Takes(RuleNewest) || !PairsSignalled.Takes(RuleContinued) || !PairsAll.Takes(RuleNewest) {
		t.Error("PairsSignalled must leave out only RuleNewest; PairsAll takes every rule")
	}
	for _, r := range PairRules() {
		want := r == RulePreferred || r == RuleThumbs || r == RuleReviewerEdit
		if PairsReviewed.Takes(r) != want || KTOTakes(r) != want {
			t.Errorf("PairsReviewed/KTOTakes(%s) = %v, want %v", r, PairsReviewed.Takes(r), want)
		}
		if !PairsSignalled.Takes(r) && r != RuleNewest {
			t.Errorf("PairsSignalled must take %s", r)
		}
	}
	if got := PairRules(); got[1] != RuleThumbs {
		t.Errorf("PairRules() = %v: thumbs must rank right after preferred", got)
	}
}
