package dataset

import "strings"

// History is a request's messages divided the way threading reads them.
//
// Frontends such as SillyTavern rebuild the whole prompt on every turn: the system
// prompt changes (the date, the character card, world info), example dialogue comes
// before the real chat, and author's notes are injected as system messages at some
// depth inside the history. Only the user, assistant and tool turns are what the
// two sides actually said, so only they identify a conversation; the rest is kept
// apart here.
type History struct {
	// Prelude is everything before the first dialogue turn: system messages and
	// example dialogue, as sent.
	Prelude []Message
	// Turns are the dialogue turns in order (see IsDialogue).
	Turns []Message
	// Notes are the non-dialogue messages found between or after the turns
	// (injected author's notes, "continue" nudges). Threading leaves them out of the
	// conversation; the raw exchange still holds them.
	Notes []Message
}

// SplitHistory divides msgs into prelude, dialogue turns and notes.
func SplitHistory(msgs []Message) History {
	var h History
	for _, m := range msgs {
		switch {
		case IsDialogue(m):
			h.Turns = append(h.Turns, m)
		case len(h.Turns) == 0:
			h.Prelude = append(h.Prelude, m)
		default:
			h.Notes = append(h.Notes, m)
		}
	}
	return h
}

// IsDialogue reports whether m is a turn of the conversation proper: a user,
// assistant or tool message that is not example dialogue. SillyTavern and similar
// frontends name example messages "example_user" and "example_assistant".
func IsDialogue(m Message) bool {
	if strings.HasPrefix(m.Name, "example_") {
		return false
	}
	return m.Role == RoleUser || m.Role == RoleAssistant || m.Role == RoleTool
}

// IsPrefill reports whether a history's last turn is an assistant message the
// model is asked to continue (a "Continue" in a chat frontend, or an Anthropic
// prefill) rather than a finished turn. Tool calls end a turn, so a message with
// them is never a prefill.
func IsPrefill(turns []Message) bool {
	if len(turns) == 0 {
		return false
	}
	last := turns[len(turns)-1]
	return last.Role == RoleAssistant && len(last.ToolCalls) == 0 && strings.TrimSpace(last.Content) != ""
}

// ContinuesLast reports whether the answer to r continues the last of its dialogue
// turns (which SplitHistory gives) instead of following it as a turn of its own.
// That needs an IsPrefill history, and the answer to it depends on the API:
//   - Anthropic Messages, Ollama chat, Gemini and prompt completions (Ollama
//     generate, legacy completions) go on from a trailing assistant message: it is a
//     prefill.
//   - OpenAI Chat Completions and Responses answer such a history with a new
//     assistant message. A chat frontend's Continue is recognised by the instruction
//     it sends after the partial answer (SillyTavern's nudge, "[Continue your last
//     message without repeating its original content.]"): a history that ends in
//     non-dialogue messages after that answer is a continuation. DeepSeek's
//     "prefix": true on the message is not seen here.
func ContinuesLast(r *Round, turns []Message) bool {
	if !IsPrefill(turns) {
		return false
	}
	switch r.Dialect {
	case OpenAIChat, OpenAIResponses:
		// OpenAI's API answers after a trailing assistant message; only an explicit
		// flag (DeepSeek prefix, vLLM continue_final_message) or a Continue instruction
		// after it (SillyTavern) asks for a continuation.
		return r.Prefill || !IsDialogue(r.Messages[len(r.Messages)-1])
	}
	return true
}

// Continue returns the answer a prefill and its continuation make together. Some
// servers already echo the prefill at the start of the answer; then the answer is
// returned as it is, so the prefill is never doubled.
func Continue(prefill, continuation string) string {
	p := strings.TrimSpace(prefill)
	if strings.HasPrefix(strings.TrimSpace(continuation), p) {
		return continuation
	}
	// A client that ends the prefill with a separator (SillyTavern's
	// continue_postfix, a space by default) gets a continuation that may start with
	// one too: the answer has one.
	if t := strings.TrimRight(prefill, " \t\n"); t != prefill && strings.TrimLeft(continuation, " \t\n") != continuation {
		return t + continuation
	}
	return prefill + continuation
}

// Similar reports whether b reads as an edit of a: at least half of the words of the
// two texts are shared (Dice coefficient over word multisets, punctuation and case
// ignored). A client that edits an earlier answer usually fixes a phrase, while a
// different chat says something else entirely.
func Similar(a, b string) bool {
	wa, wb := words(a), words(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	count := make(map[string]int, len(wa))
	for _, w := range wa {
		count[w]++
	}
	common := 0
	for _, w := range wb {
		if count[w] > 0 {
			count[w]--
			common++
		}
	}
	return 4*common >= len(wa)+len(wb) // 2·common / (|a|+|b|) ≥ ½
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f)
	})
}
