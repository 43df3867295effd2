package dataset

import (
	"fmt"
	"strings"
)

// PairRule names the signal that made one answer of a preference pair the chosen
// one (issue 12, "Preference pairs from real traffic").
type PairRule string

// The pair rules, strongest signal first.
const (
	// RulePreferred: a reviewer marked the chosen answer preferred.
	RulePreferred PairRule = "preferred"
	// RuleThumbs: a reviewer rated the rejected answer thumbs down and the chosen
	// one thumbs up or not at all (issue 14, "Ratings").
	RuleThumbs PairRule = "thumbs"
	// RuleClientEdit: the client resent the answer changed (a new text in its
	// history where the model's stood); the edit is chosen over the original.
	RuleClientEdit PairRule = "client_edit"
	// RuleContinued: the client went on from the chosen answer (a later turn hangs
	// under it) and left its sibling.
	RuleContinued PairRule = "continued"
	// RuleReviewerEdit: a reviewer's edit of an answer over its captured text.
	RuleReviewerEdit PairRule = "reviewer_edit"
	// RuleNewest: no signal but time: the newest regeneration (the one the person
	// saw last) over the older ones; of n > 1 choices, the first (the one a client
	// shows) over the others.
	RuleNewest PairRule = "newest"
)

// PairRules returns the pair rules, strongest signal first.
func PairRules() []PairRule {
	return []PairRule{RulePreferred, RuleThumbs, RuleClientEdit, RuleContinued, RuleReviewerEdit, RuleNewest}
}

// PairPolicy says which preference pairs an export takes.
type PairPolicy string

// The pair policies. The zero value is PairsAll.
const (
	// PairsAll takes a pair wherever an answer has a sibling.
	PairsAll PairPolicy = "all"
	// PairsSignalled leaves out the pairs only time decides (RuleNewest).
	PairsSignalled PairPolicy = "signalled"
	// PairsReviewed takes only the pairs a reviewer marked (RulePreferred,
	// RuleThumbs, RuleReviewerEdit): what KTO takes (KTOTakes). Not a choice of the user's.
	PairsReviewed PairPolicy = "reviewed"
)

// ParsePairPolicy reads a pair policy; "" is PairsAll.
func ParsePairPolicy(s string) (PairPolicy, error) {
	switch p := PairPolicy(s); p {
	case "":
		return PairsAll, nil
	case PairsAll, PairsSignalled:
		return p, nil
	}
	return "", fmt.Errorf("pairs %q: must be %s or %s", s, PairsAll, PairsSignalled)
}

// Takes reports whether the policy takes a pair made by rule.
func (p PairPolicy) Takes(rule PairRule) bool {
	switch p {
	case PairsSignalled:
		return rule != RuleNewest
	case PairsReviewed:
		return rule == RulePreferred || rule == RuleThumbs || rule == RuleReviewerEdit
	}
	return true
}

// Sibling is what choosing between the answers to one prompt needs to know of one
// of them.
type Sibling struct {
	ID int64 // the order of capture: a higher ID is newer
	// Exchange is the exchange whose response carried it; n > 1 choices share one,
	// and of those the first is the one a client shows.
	Exchange int64
	// Text is the answer's text as exported (a reviewer's edit applied).
	Text string
	// Preferred: a reviewer marked it the better answer.
	Preferred bool
	// Continued: a later turn hangs under it.
	Continued bool
	// ClientEdit: the client resent it changed; it replaced an older sibling.
	ClientEdit bool
	// Thumb: a reviewer rated it up (1) or down (-1); 0 unrated.
	Thumb int
}

// SiblingPair is a chosen and a rejected answer among siblings, by index.
type SiblingPair struct {
	Chosen, Rejected int
	Rule             PairRule
}

// PairSiblings returns the pairs among the answers to one prompt. The winner is the
// answer a reviewer preferred, else the one the client continued from, else the
// client's edit, else the newest, an answer rated thumbs down only when all are;
// it is chosen over each other sibling, the rule naming what set them apart.
// Besides, each answer rated thumbs up or not at all is chosen over each one rated
// thumbs down (RuleThumbs), and each client edit over the original it replaced
// (see original). An answer rated thumbs down is chosen, and one rated thumbs up
// rejected, only by a reviewer's preference: a thumbs up alone says nothing bad of
// an unrated sibling. No pair is
// made between two answers the client went on from (two paths of the
// conversation, not a preference), between two the reviewer preferred, nor
// between a Continue's partial answer and the whole one (one text is the start of
// the other).
func PairSiblings(s []Sibling) []SiblingPair {
	if len(s) < 2 {
		return nil
	}
	win := 0
	for i := range s {
		if rank(s[i]) > rank(s[win]) || (rank(s[i]) == rank(s[win]) && shownAfter(s[i], s[win])) {
			win = i
		}
	}
	var out []SiblingPair
	seen := map[[2]int]bool{}
	add := func(c, r int, rule PairRule) {
		if seen[[2]int{c, r}] || (!s[c].ClientEdit && (partOf(s[r].Text, s[c].Text) || partOf(s[c].Text, s[r].Text))) {
			return
		}
		seen[[2]int{c, r}] = true
		out = append(out, SiblingPair{Chosen: c, Rejected: r, Rule: rule})
	}
	w, replaced := s[win], -1
	if s[win].ClientEdit {
		replaced = original(s, win)
	}
	for i, o := range s {
		switch {
		case i == win || (o.Preferred && w.Preferred):
		case w.Preferred:
			add(win, i, RulePreferred)
		case thumbsOver(w, o):
			add(win, i, RuleThumbs)
		case w.Thumb < 0 || o.Thumb > 0:
		case o.Continued && w.Continued:
		case i == replaced:
			add(win, i, RuleClientEdit)
		case w.Continued:
			add(win, i, RuleContinued)
		case !o.Continued:
			add(win, i, RuleNewest)
		}
	}
	for i, a := range s {
		for j, b := range s {
			if thumbsOver(a, b) {
				add(i, j, RuleThumbs)
			}
		}
	}
	for i, e := range s {
		if !e.ClientEdit || e.Thumb < 0 {
			continue
		}
		orig := original(s, i)
		if orig >= 0 && !(s[orig].Preferred && !e.Preferred) && s[orig].Thumb <= 0 {
			add(i, orig, RuleClientEdit)
		}
	}
	return out
}

// original is the sibling the client's edit s[e] replaced: of the older answers
// that are not edits themselves, the newest whose text the edit reads like
// (Similar), else the newest; -1 when there is none.
func original(s []Sibling, e int) int {
	orig, similar := -1, false
	for j, o := range s {
		if o.ClientEdit || o.ID >= s[e].ID {
			continue
		}
		sim := Similar(o.Text, s[e].Text)
		if orig < 0 || (sim && !similar) || (sim == similar && o.ID > s[orig].ID) {
			orig, similar = j, sim
		}
	}
	return orig
}

// shownAfter reports whether the client showed a after b: a came in a later
// response, or is an earlier choice of the same one.
func shownAfter(a, b Sibling) bool {
	if a.Exchange != b.Exchange {
		return a.Exchange > b.Exchange
	}
	return a.ID < b.ID
}

// thumbsOver reports whether a reviewer's thumbs chose a over b: b rated down, a
// up or not at all, and b not the one the reviewer preferred.
func thumbsOver(a, b Sibling) bool {
	return b.Thumb < 0 && a.Thumb >= 0 && !b.Preferred
}

// rank orders answers by the strength of what chose them; a thumbs-down answer
// comes after every other.
func rank(s Sibling) int {
	r := 0
	if s.Thumb < 0 && !s.Preferred {
		r -= 8
	}
	if s.Preferred {
		r += 4
	}
	if s.Continued {
		r += 2
	}
	if s.ClientEdit {
		r++
	}
	return r
}

// partOf reports whether part is the start of whole: a Continue's partial answer
// beside the answer it grew into.
func partOf(part, whole string) bool {
	p, w := strings.TrimSpace(part), strings.TrimSpace(whole)
	return p != "" && len(p) < len(w) && strings.HasPrefix(w, p)
}
