package dataset

import (
	"fmt"
	"strings"
)

// OpenerMode says what a writer does with a conversation's opener: the assistant
// messages before its first user turn (a SillyTavern character card's greeting, a
// scripted opener). The model did not write them in this conversation, and
// LLaMA-Factory's sharegpt converter rejects a record whose first turn (after an
// optional system prompt) is not "human", so they cannot stay turns of their own.
type OpenerMode string

// The opener modes. The zero value is OpenerSystem.
const (
	// OpenerSystem puts the opener into the system prompt as a marked part, after
	// the system messages: ShareGPTOptions.OpenerPrefix, then the opener's text.
	OpenerSystem OpenerMode = "system"
	// OpenerDrop leaves the opener out of the record.
	OpenerDrop OpenerMode = "drop"
)

// DefaultOpenerPrefix is the line that marks the opener in the system prompt when
// ShareGPTOptions.OpenerPrefix is "".
const DefaultOpenerPrefix = "The conversation opened with:"

// NameMode says whether a writer puts the speaker's name into the text of assistant
// turns as SillyTavern shows it in a group chat ("Name: text").
type NameMode string

// The name modes. The zero value is NamesAuto.
const (
	// NamesAuto names the speakers when the conversation's assistant messages carry
	// more than one name (a group chat).
	NamesAuto NameMode = "auto"
	// NamesOn names the speaker of every assistant message that carries a name.
	NamesOn NameMode = "on"
	// NamesOff writes the text as it is.
	NamesOff NameMode = "off"
)

// ParseOpenerMode reads an opener mode; "" is OpenerSystem.
func ParseOpenerMode(s string) (OpenerMode, error) {
	switch m := OpenerMode(s); m {
	case "":
		return OpenerSystem, nil
	case OpenerSystem, OpenerDrop:
		return m, nil
	}
	return "", fmt.Errorf("opener %q: must be %s or %s", s, OpenerSystem, OpenerDrop)
}

// ParseNameMode reads a name mode; "" is NamesAuto.
func ParseNameMode(s string) (NameMode, error) {
	switch m := NameMode(s); m {
	case "":
		return NamesAuto, nil
	case NamesAuto, NamesOn, NamesOff:
		return m, nil
	}
	return "", fmt.Errorf("names %q: must be %s, %s or %s", s, NamesAuto, NamesOn, NamesOff)
}

// Opening is the start of a conversation split the way every writer needs it.
type Opening struct {
	// System holds the trimmed, non-empty texts of the leading system messages.
	System []string
	// Opener holds the assistant messages before the first user turn, in order. A
	// group chat opens with one greeting per character.
	Opener []Message
	// Rest is everything after, starting at position Offset (0-based) of the input.
	Rest   []Message
	Offset int
}

// SplitOpening splits msgs into the leading system messages, the opener and the
// rest. Any assistant message before the first user or tool message is part of the
// opener, even one a model continued (a Continue on the greeting): no trainer
// format can start a dialogue with it as a turn to learn.
func SplitOpening(msgs []Message) Opening {
	var o Opening
	i := 0
	for ; i < len(msgs) && msgs[i].Role == RoleSystem; i++ {
		if s := strings.TrimSpace(msgs[i].Content); s != "" {
			o.System = append(o.System, s)
		}
	}
	start := i
	for ; i < len(msgs) && msgs[i].Role == RoleAssistant; i++ {
	}
	o.Opener, o.Rest, o.Offset = msgs[start:i], msgs[i:], i
	return o
}

// named reports whether assistant text gets the speaker's name under mode for a
// conversation of msgs.
func named(mode NameMode, msgs []Message) bool {
	switch mode {
	case NamesOn:
		return true
	case NamesOff:
		return false
	}
	first := ""
	for _, m := range msgs {
		if m.Role != RoleAssistant || m.Name == "" {
			continue
		}
		if first == "" {
			first = m.Name
		} else if m.Name != first {
			return true
		}
	}
	return false
}

// speakerText is m's trimmed text, "Name: text" when named and m carries a name
// the text does not already start with (SillyTavern's default names behavior puts
// it there itself).
func speakerText(m Message, named bool) string {
	text := strings.TrimSpace(m.Content)
	if !named || m.Name == "" || text == "" || strings.HasPrefix(text, m.Name+":") {
		return text
	}
	return m.Name + ": " + text
}

// systemPrompt joins the system texts and, under OpenerSystem, the marked opener
// into one system prompt.
func (opt ShareGPTOptions) systemPrompt(o Opening, named bool) string {
	parts := o.System
	if opt.Opener != OpenerDrop && len(o.Opener) > 0 {
		var texts []string
		for _, m := range o.Opener {
			if s := speakerText(m, named); s != "" {
				texts = append(texts, s)
			}
		}
		prefix := opt.OpenerPrefix
		if prefix == "" {
			prefix = DefaultOpenerPrefix
		}
		if len(texts) > 0 {
			parts = append(parts[:len(parts):len(parts)], prefix+"\n"+strings.Join(texts, "\n\n"))
		}
	}
	return strings.Join(parts, "\n\n")
}

// OnlySpeakerAdded reports whether edited is text with a speaker's name put in front
// ("Name: text"), the way SillyTavern resends every turn of a group chat under its
// default names behavior, the model's own answers included. Such a copy is not an
// edit a person made, and no preference between the two.
func OnlySpeakerAdded(text, edited string) bool {
	name, rest, ok := strings.Cut(strings.TrimSpace(edited), ": ")
	return ok && name != "" && len(name) <= 64 && !strings.ContainsAny(name, "\n:") &&
		strings.TrimSpace(rest) == strings.TrimSpace(text)
}
