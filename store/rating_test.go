package store

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRatings sets scores and thumbs, lists by score, and checks both survive a reindex.
func TestRatings(t *testing.T) {
	rc := newRecorder(t)
	db := rc.db
	for _, q := range []string{"alpha", "beta", "gamma"} {
		rc.capture(t, round(msgs(user(q)), bot(q+" answer")))
	}
	conv := func(title string) int64 { return convID(t, db, title) }

	t.Run("set_score", func(t *testing.T) {
		tests := []struct {
			name  string
			id    int64
			score int
			want  error
		}{
			{"five", conv("alpha"), 5, nil},
			{"two", conv("beta"), 2, nil},
			{"too_high", conv("gamma"), 6, ErrInvalid},
			{"negative", conv("gamma"), -1, ErrInvalid},
			{"unknown", 999, 3, ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := db.SetScore(t.Context(), tt.id, tt.score); !errors.Is(err, tt.want) {
					t.Errorf("SetScore(%d, %d) = %v, want %v", tt.id, tt.score, err, tt.want)
				}
			})
		}
	})

	t.Run("set_thumb", func(t *testing.T) {
		tests := []struct {
			name  string
			id    int64
			thumb int
			want  error
		}{
			{"up", msgID(t, db, "alpha answer"), 1, nil},
			{"down", msgID(t, db, "beta answer"), -1, nil},
			{"user_turn", msgID(t, db, "gamma"), 1, ErrInvalid},
			{"out_of_range", msgID(t, db, "gamma answer"), 2, ErrInvalid},
			{"unknown", 999, 1, ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := db.SetThumb(t.Context(), tt.id, tt.thumb); !errors.Is(err, tt.want) {
					t.Errorf("SetThumb(%d, %d) = %v, want %v", tt.id, tt.thumb, err, tt.want)
				}
			})
		}
	})

	// listed returns the titles of the conversations with one of scores, and each one's score.
	listed := func(t *testing.T, scores []int) map[string]int {
		t.Helper()
		items, total, err := db.ListConversations(t.Context(), ListOptions{Scores: scores})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range items {
			out[s.Title] = s.Score
		}
		if total != len(items) {
			t.Errorf("ListConversations(scores %v): total %d, %d items", scores, total, len(items))
		}
		return out
	}
	thumbs := func(t *testing.T) map[string]int {
		t.Helper()
		out := map[string]int{}
		for _, title := range []string{"alpha", "beta", "gamma"} {
			d, err := db.Conversation(t.Context(), conv(title))
			if err != nil {
				t.Fatal(err)
			}
			out[title] = d.Messages[len(d.Messages)-1].Thumb
		}
		return out
	}
	check := func(t *testing.T) {
		t.Helper()
		filters := []struct {
			name   string
			scores []int
			want   map[string]int
		}{
			{"all", nil, map[string]int{"alpha": 5, "beta": 2, "gamma": 0}},
			{"four_and_up", []int{4, 5}, map[string]int{"alpha": 5}},
			{"unrated", []int{0}, map[string]int{"gamma": 0}},
			{"none_match", []int{3}, map[string]int{}},
		}
		for _, f := range filters {
			if diff := cmp.Diff(f.want, listed(t, f.scores)); diff != "" {
				t.Errorf("%s: listed (-want +got):\n%s", f.name, diff)
			}
		}
		if diff := cmp.Diff(map[string]int{"alpha": 1, "beta": -1, "gamma": 0}, thumbs(t)); diff != "" {
			t.Errorf("thumbs (-want +got):\n%s", diff)
		}
	}
	t.Run("listed", check)
	t.Run("after_reindex", func(t *testing.T) {
		reindex(t, db, ReindexOptions{})
		check(t)
	})
	t.Run("cleared_thumb_leaves_no_row", func(t *testing.T) {
		if err := db.SetThumb(t.Context(), msgID(t, db, "alpha answer"), 0); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM message_edits`).Scan(&n); err != nil || n != 1 {
			t.Errorf("message_edits rows = %d, %v; want 1 (beta's thumb down only)", n, err)
		}
	})
}
