package dataset

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGroupChat(t *testing.T) {
	sys := func(s string) Message { return Message{Role: RoleSystem, Content: s} }
	u := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	a := func(s string) Message { return Message{Role: RoleAssistant, Content: s} }
	marker := sys("[Start a new group chat. Group members: Ann, Bob, Ann Lee]")
	nudge := func(name string) Message { return sys("[Write the next reply only as " + name + ".]") }
	tests := []struct {
		name    string
		msgs    []Message
		members string
		speaker string
		turns   []string // name|content of each turn after NameTurns
	}{
		{"message_content", []Message{sys("Write Bob's next reply. Bob is a ranger."), marker, a("Ann: hi"), u("Alex: hello"), a("Bob: yo"), a("Ann Lee: hm"), nudge("Bob")},
			"Ann,Bob,Ann Lee", "Bob", []string{"Ann|hi", "|Alex: hello", "Bob|yo", "Ann Lee|hm"}},
		{"none_setting_leaves_prefixes", []Message{sys("Bob is a ranger."), marker, a("Ann: hi"), u("hello"), a("a plain answer"), nudge("Bob")},
			"Ann,Bob,Ann Lee", "Bob", []string{"|Ann: hi", "|hello", "|a plain answer"}},
		{"not_a_member", []Message{sys("Bob is a ranger."), marker, a("Narrator: hi"), nudge("Bob")},
			"Ann,Bob,Ann Lee", "Bob", []string{"|Narrator: hi"}},
		{"no_marker_no_names", []Message{sys("Bob is a ranger."), a("Ann: hi"), u("hello"), nudge("Bob")},
			"Bob", "Bob", []string{"|Ann: hi", "|hello"}},
		{"nudge_without_card", []Message{sys("Ann is a healer."), marker, a("Ann: hi"), nudge("Bob")},
			"Ann,Bob,Ann Lee", "", []string{"Ann|hi"}},
		{"named_field_kept", []Message{sys("Bob is a ranger."), marker, {Role: RoleAssistant, Name: "Ann", Content: "Bob: quoting"}, nudge("Bob")},
			"Ann,Bob,Ann Lee", "Bob", []string{"Ann|Bob: quoting"}},
		{"no_group", []Message{sys("You are helpful."), u("Q: why?"), a("A: because")},
			"", "", []string{"|Q: why?", "|A: because"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := SplitHistory(tt.msgs)
			g := ReadGroupChat(h)
			if got := strings.Join(g.Members, ","); got != tt.members || g.Speaker != tt.speaker {
				t.Errorf("ReadGroupChat = members %q speaker %q, want %q and %q", got, g.Speaker, tt.members, tt.speaker)
			}
			before := append([]Message(nil), h.Turns...)
			var got []string
			for _, m := range g.NameTurns(h.Turns) {
				got = append(got, m.Name+"|"+m.Content)
			}
			if diff := cmp.Diff(tt.turns, got); diff != "" {
				t.Errorf("NameTurns (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, h.Turns); diff != "" {
				t.Errorf("NameTurns changed its input:\n%s", diff)
			}
			answers := g.NameAnswers([]Message{a("new"), {Role: RoleAssistant, Name: "Cy", Content: "Bob: named"}, a("Bob: *nods* fine"), a("Bob:")})
			var gotAnswers []string
			for _, m := range answers {
				gotAnswers = append(gotAnswers, m.Name+"|"+m.Content)
			}
			// The speaker's own "Name: " goes; another name's, or one with nothing after it, stays.
			wantAnswers := []string{tt.speaker + "|new", "Cy|Bob: named", tt.speaker + "|*nods* fine", tt.speaker + "|Bob:"}
			if tt.speaker == "" {
				wantAnswers[2] = "|Bob: *nods* fine"
			}
			if diff := cmp.Diff(wantAnswers, gotAnswers); diff != "" {
				t.Errorf("NameAnswers (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzGroupChat: reading any request's group marker and nudge never fails, and
// naming turns only ever moves a member's "Name: " from the text to the name.
func FuzzGroupChat(f *testing.F) {
	f.Add("[Start a new group chat. Group members: Ann, Bob]", "[Write the next reply only as Bob.]", "Bob's card", "Ann: hi", "Bob: yo")
	f.Add("[Start a new group chat. Group members: ]", "[Write the next reply only as .]", "", ": x", "")
	f.Add("[Start a new group chat. Group members: A,,A, B:]", "[Write the next reply only as  B: .]", "B: ", "B:: x", "A: ")
	f.Fuzz(func(t *testing.T, marker, nudge, card, first, second string) {
		msgs := []Message{
			{Role: RoleSystem, Content: card}, {Role: RoleSystem, Content: marker},
			{Role: RoleAssistant, Content: first}, {Role: RoleUser, Content: "hi"},
			{Role: RoleAssistant, Content: second}, {Role: RoleSystem, Content: nudge},
		}
		h := SplitHistory(msgs)
		g := ReadGroupChat(h)
		inCard := strings.Contains(card, g.Speaker) ||
			!strings.HasPrefix(strings.TrimSpace(marker), groupMarkerPrefix) && strings.Contains(marker, g.Speaker)
		if g.Speaker != "" && !inCard {
			t.Fatalf("speaker %q is in no system message but the marker: %q, %q", g.Speaker, card, marker)
		}
		for i, m := range g.NameTurns(h.Turns) {
			was := h.Turns[i]
			if m.Name == was.Name {
				if m.Content != was.Content || m.Role != was.Role {
					t.Fatalf("turn %d changed without a name: %+v -> %+v", i, was, m)
				}
				continue
			}
			if m.Role != RoleAssistant || was.Name != "" || was.Content != m.Name+": "+m.Content || !slices.Contains(g.Members, m.Name) {
				t.Fatalf("turn %d named wrongly: %+v -> %+v (members %q)", i, was, m, g.Members)
			}
		}
		a := g.NameAnswers([]Message{{Role: RoleAssistant, Content: second}})[0]
		if a.Name != g.Speaker || a.Content != second && !strings.HasPrefix(second, g.Speaker+":") || !strings.HasSuffix(second, a.Content) {
			t.Fatalf("answer %q named %q: %+v", second, g.Speaker, a)
		}
	})
}
