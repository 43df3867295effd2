package dataset

// Speakers returns the names of the characters that answer in msgs after the
// opening (the assistant messages after the first user turn or tool result that
// carry a name), in order of their first answer.
func Speakers(msgs []Message) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range SplitOpening(msgs).Rest {
		if m.Role == RoleAssistant && m.Name != "" && !seen[m.Name] {
			seen[m.Name] = true
			names = append(names, m.Name)
		}
	}
	return names
}

// SplitSpeakers returns the records of a group chat, one per character that
// answers in it (issue 16): a frontend such as SillyTavern sends, for each answer,
// the card of the character whose turn it is, so one record holding every
// character's answers under one system prompt would train each of them under
// another's card. The record of speaker X:
//   - starts with X's prelude (preludes[X]: the system messages of a request X
//     answered), or c's own leading system messages when there is none;
//   - keeps the opener (every character's greeting) as it is;
//   - holds the dialogue up to X's last answer, X's answers as assistant turns and
//     the other characters' answers as what X was told: user turns reading
//     "Name: text" (as SillyTavern shows them), which writers merge with the
//     user turn beside them.
//
// A conversation with fewer than two speakers is returned as it is, alone.
func SplitSpeakers(c Conversation, preludes map[string][]Message) []Conversation {
	names := Speakers(c.Messages)
	if len(names) < 2 {
		return []Conversation{c}
	}
	o := SplitOpening(c.Messages)
	system := c.Messages[:len(c.Messages)-len(o.Rest)-len(o.Opener)]
	var out []Conversation
	for _, x := range names {
		last := -1
		for i, m := range o.Rest {
			if m.Role == RoleAssistant && m.Name == x {
				last = i
			}
		}
		msgs := preludes[x]
		if len(msgs) == 0 {
			msgs = system
		}
		msgs = append(msgs[:len(msgs):len(msgs)], o.Opener...)
		for _, m := range o.Rest[:last+1] {
			if m.Role == RoleAssistant && m.Name != x && len(m.ToolCalls) == 0 {
				m = Message{Role: RoleUser, Content: speakerText(m, true), Media: m.Media}
			}
			msgs = append(msgs, m)
		}
		r := c
		r.Messages, r.Speaker = msgs, x
		out = append(out, r)
	}
	return out
}
