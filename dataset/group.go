package dataset

import (
	"slices"
	"strings"
)

// SillyTavern's default group chat prompts: the marker that opens a group chat's
// history ("[Start a new group chat. Group members: {{group}}]") and the nudge it
// sends after the history ("[Write the next reply only as {{char}}.]").
const (
	groupMarkerPrefix = "[Start a new group chat. Group members: "
	groupNudgePrefix  = "[Write the next reply only as "
)

// GroupChat is what one request says of the SillyTavern group chat it belongs to.
// Under the "Character Names Behavior" settings other than "Completion Object"
// SillyTavern sends no `name` field: the speaker is known only from the request's
// prompts, and (Default and Message Content) from the "Name: " that starts each
// character's message.
type GroupChat struct {
	// Members are the names the group marker lists, and Speaker.
	Members []string
	// Speaker is the character the nudge asks to write the next reply, when that
	// name is also in the request's prelude (the card of the character whose turn
	// it is); "" otherwise.
	Speaker string
}

// ReadGroupChat reads the group marker and nudge of a request's messages (as
// SplitHistory divides them). A request with neither gives the zero GroupChat.
func ReadGroupChat(h History) GroupChat {
	var g GroupChat
	for _, msgs := range [2][]Message{h.Prelude, h.Notes} {
		for _, m := range msgs {
			if m.Role != RoleSystem || !strings.Contains(m.Content, "[") {
				continue
			}
			text := strings.TrimSpace(m.Content)
			if list, ok := bracketed(text, groupMarkerPrefix, "]"); ok && g.Members == nil {
				for _, name := range strings.Split(list, ",") {
					if name = strings.TrimSpace(name); name != "" && !slices.Contains(g.Members, name) {
						g.Members = append(g.Members, name)
					}
				}
			}
			if name, ok := bracketed(text, groupNudgePrefix, ".]"); ok && strings.TrimSpace(name) == name && name != "" {
				g.Speaker = name
			}
		}
	}
	if g.Speaker != "" && !inPrelude(h.Prelude, g.Speaker) {
		g.Speaker = ""
	}
	if g.Speaker != "" && !slices.Contains(g.Members, g.Speaker) {
		g.Members = append(g.Members, g.Speaker)
	}
	return g
}

// bracketed returns what text holds between prefix and suffix.
func bracketed(text, prefix, suffix string) (string, bool) {
	if len(text) < len(prefix)+len(suffix) || !strings.HasPrefix(text, prefix) || !strings.HasSuffix(text, suffix) {
		return "", false
	}
	return text[len(prefix) : len(text)-len(suffix)], true
}

// inPrelude reports whether a system message of the prelude names name.
func inPrelude(prelude []Message, name string) bool {
	for _, m := range prelude {
		if m.Role == RoleSystem && !strings.HasPrefix(strings.TrimSpace(m.Content), groupMarkerPrefix) && strings.Contains(m.Content, name) {
			return true
		}
	}
	return false
}

// NameTurns returns turns with each character's messages named as the wire names
// them when it sends no `name` field. SillyTavern's Default and Message Content
// settings send every character's message as "Name: text"; such a turn becomes
// text with Name set, so that it keys as the answer the model gave (the model
// never wrote the prefix) and is attributed to its speaker. That is done only when
// every unnamed assistant turn starts with a member's name and ": ": a single
// one without it means the chat is sent without names (the None setting), and a
// "Word: " at the start of a message is then the message's own text. turns is
// not changed; the result shares it when nothing is named.
func (g GroupChat) NameTurns(turns []Message) []Message {
	if len(g.Members) == 0 {
		return turns
	}
	names := make([]string, len(turns))
	named := false
	for i, m := range turns {
		if m.Role != RoleAssistant || m.Name != "" || len(m.ToolCalls) > 0 {
			continue
		}
		if names[i] = g.prefixed(m.Content); names[i] == "" {
			return turns
		}
		named = true
	}
	if !named {
		return turns
	}
	out := slices.Clone(turns)
	for i, name := range names {
		if name != "" {
			out[i].Content, out[i].Name = out[i].Content[len(name)+2:], name
		}
	}
	return out
}

// prefixed returns the member whose "Name: " starts text (the longest, should one
// name start another), or "".
func (g GroupChat) prefixed(text string) string {
	best := ""
	for _, name := range g.Members {
		if len(name) > len(best) && strings.HasPrefix(text, name+": ") {
			best = name
		}
	}
	return best
}

// NameAnswers returns answers named as the speaker the nudge asked for: the name
// of each answer that has none is the speaker's, and a "Name: " the model wrote
// before its answer in the group chat's own style goes, as SillyTavern takes it
// off before it keeps the message (and resends it, with its own prefix or none).
// answers is not changed; the result shares it when nothing is named.
func (g GroupChat) NameAnswers(answers []Message) []Message {
	if g.Speaker == "" {
		return answers
	}
	var out []Message
	for i, a := range answers {
		if a.Role != RoleAssistant || a.Name != "" {
			continue
		}
		if out == nil {
			out = slices.Clone(answers)
		}
		out[i].Name = g.Speaker
		if rest, ok := strings.CutPrefix(a.Content, g.Speaker+":"); ok && len(a.ToolCalls) == 0 && strings.TrimSpace(rest) != "" {
			out[i].Content = strings.TrimLeft(rest, " \t\n")
		}
	}
	if out == nil {
		return answers
	}
	return out
}
