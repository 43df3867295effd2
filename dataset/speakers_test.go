package dataset

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitSpeakers(t *testing.T) {
	sys := func(s string) Message { return Message{Role: RoleSystem, Content: s} }
	u := func(s string) Message { return Message{Role: RoleUser, Content: s} }
	as := func(name, s string) Message { return Message{Role: RoleAssistant, Name: name, Content: s} }
	cards := map[string][]Message{"Ann": {sys("Ann's card")}, "Bob": {sys("Bob's card")}}
	tests := []struct {
		name string
		msgs []Message
		want []string // per record: speaker, then role:text of each message
	}{
		{"one_speaker_untouched", []Message{sys("newest card"), u("hi"), as("Ann", "hello")},
			[]string{"| s:newest card u:hi a:hello"}},
		{"two_speakers", []Message{sys("Bob's card"), as("Ann", "greetings"), u("hi"), as("Ann", "hello"), u("and you?"), as("Bob", "hm")},
			[]string{"Ann| s:Ann's card a:greetings u:hi a:hello", "Bob| s:Bob's card a:greetings u:hi u:Ann: hello u:and you? a:hm"}},
		{"missing_prelude_keeps_own", []Message{sys("card"), u("hi"), as("Ann", "hello"), as("Cy", "yo")},
			[]string{"Ann| s:Ann's card u:hi a:hello", "Cy| s:card u:hi u:Ann: hello a:yo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range SplitSpeakers(Conversation{ID: 1, Messages: tt.msgs}, cards) {
				parts := []string{r.Speaker + "|"}
				for _, m := range r.Messages {
					parts = append(parts, string(m.Role[0])+":"+m.Content)
				}
				got = append(got, strings.Join(parts, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitSpeakers (-want +got):\n%s", diff)
			}
		})
	}
}
