package dataset

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestKTOThumbsOnce writes a conversation whose chosen answer a reviewer rated
// thumbs down, then the pairs that answer loses (RuleThumbs, twice: two unrated
// siblings): the undesirable example is written once, and each other pair once.
func TestKTOThumbsOnce(t *testing.T) {
	user := Message{Role: RoleUser, Content: "Capital of France?"}
	down := Message{Role: RoleAssistant, Content: "Lyon.", Thumb: -1}
	c := Conversation{ID: 7, Status: StatusUnreviewed, Messages: []Message{user, down,
		{Role: RoleUser, Content: "Thanks"}, {Role: RoleAssistant, Content: "You're welcome."}}}
	pair := func(chosen string, rule PairRule) PreferencePair {
		return PreferencePair{ID: 7, History: []Message{user}, Chosen: Message{Role: RoleAssistant, Content: chosen},
			Rejected: down, Rule: rule}
	}
	for _, tt := range []struct {
		name  string
		pairs []PreferencePair
		want  []bool // kto_tag of each line written
	}{
		{"thumbs_pairs_deduplicated", []PreferencePair{pair("Paris.", RuleThumbs), pair("It is Paris.", RuleThumbs)}, []bool{true, false}},
		{"newest_pair_not_taken", []PreferencePair{pair("Paris.", RuleNewest)}, []bool{true, false}},
		{"no_pairs", nil, []bool{true, false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w, err := NewRecordWriter(FormatKTO, &out, nil, ShareGPTOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(c); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.pairs {
				if err := w.(PairTaker).WritePair(p); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := w.Close()
			if err != nil || rep.Written != len(tt.want) || rep.Invalid != 0 {
				t.Fatalf("report %+v, %v; want %d written", rep, err, len(tt.want))
			}
			var got []bool
			for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
				var rec KTORecord
				if err := json.Unmarshal(line, &rec); err != nil {
					t.Fatal(err)
				}
				got = append(got, rec.KTOTag)
				if !rec.KTOTag && rec.Conversations[len(rec.Conversations)-1].Value != "Lyon." {
					t.Errorf("undesirable example ends with %q, want the thumbs-down answer", rec.Conversations[len(rec.Conversations)-1].Value)
				}
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] || got[1] != tt.want[1] {
				t.Errorf("kto_tags %v, want %v", got, tt.want)
			}
		})
	}
}
