package store

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

func TestTitleWithoutMarkdown(t *testing.T) {
	tests := []struct {
		name, first, want string
	}{
		{"roleplay_action", "*walks into the tavern and waves* Hello there!", "walks into the tavern and waves Hello there!"},
		{"bold_and_italic", "**Plan** a _week_ of ***dinners***", "Plan a week of dinners"},
		{"quoted_speech_in_action", `*smiles* "Welcome back," she says.`, `smiles "Welcome back," she says.`},
		{"code", "Why does `go vet` complain?", "Why does go vet complain?"},
		{"strike", "~~old~~ new plan", "old new plan"},
		{"heading", "## Summary of the meeting", "Summary of the meeting"},
		{"math_kept", "What is 5*3?", "What is 5*3?"},
		{"snake_case_kept", "rename my_var to other_var", "rename my_var to other_var"},
		{"only_markers", "*** ***", ""},
		{"cjk_action", "*微笑* 你好", "微笑 你好"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := title([]dataset.Message{{Role: dataset.RoleUser, Content: tt.first}, {Role: dataset.RoleUser, Content: "fallback"}})
			want := tt.want
			if want == "" {
				want = "fallback" // a turn of markers only names nothing
			}
			if got != want {
				t.Errorf("title(%q) = %q, want %q", tt.first, got, want)
			}
		})
	}
}

// FuzzPlainTitle: the result is valid UTF-8, never longer, and only drops markers.
func FuzzPlainTitle(f *testing.F) {
	for _, s := range []string{"*waves* hi", "a_b", "**x**", "`", "# *", "5*3", "\xff*a*", "*微笑*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := plainTitle(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("plainTitle(%q) = %q: not UTF-8", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("plainTitle(%q) = %q: longer", s, got)
		}
		strip := func(x string) string {
			return strings.Map(func(r rune) rune {
				if emphasis(r) || r == '#' || r == '>' || unicode.IsSpace(r) {
					return -1
				}
				return r
			}, x)
		}
		// Message text is decoded JSON, so valid UTF-8; invalid bytes may fuse once markers go.
		if utf8.ValidString(s) && strip(got) != strip(s) {
			t.Fatalf("plainTitle(%q) = %q: changed more than markers", s, got)
		}
	})
}

// TestTitleOfLongTurn: a turn longer than the window title reads first gets the
// title the whole turn gives, wherever the window ends (in a word, in a CJK
// character, in a run of markers or space).
func TestTitleOfLongTurn(t *testing.T) {
	whole := func(s string) string { // the title read from all of s, as before the window
		x := strings.Join(strings.Fields(plainTitle(withoutReminders(s))), " ")
		if r := []rune(x); len(r) > titleRunes {
			x = strings.TrimSpace(string(r[:titleRunes-1])) + "…"
		}
		return x
	}
	words := strings.Repeat("the quick brown fox ", 2000)
	tests := []struct{ name, turn string }{
		{"words", words},
		{"cjk_across_the_window", strings.Repeat("微笑你好", 2000)},
		{"spaces_then_words", strings.Repeat(" ", titleWindow+10) + words},
		{"markers_then_words", strings.Repeat("*", titleWindow-3) + "ab_cd " + words},
		{"reminder_then_words", "<system-reminder>" + strings.Repeat("x", 2*titleWindow) + "</system-reminder>" + words},
		{"short_after_window", strings.Repeat("\n", titleWindow) + "hi"},
		{"word_across_the_window", strings.Repeat("a", titleWindow-2) + "_b " + words},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := title([]dataset.Message{{Role: dataset.RoleUser, Content: tt.turn}})
			if want := whole(tt.turn); got != want {
				t.Errorf("title(%d bytes) = %q, want %q", len(tt.turn), got, want)
			}
		})
	}
}
