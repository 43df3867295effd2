package dataset

import "strings"

// RecoverChat reads back the chat messages a text prompt was built from with one
// of the common chat templates: ChatML (<|im_start|>role ... <|im_end|>), Llama 3
// (<|start_header_id|>role<|end_header_id|> ... <|eot_id|>), Gemma
// (<start_of_turn>user|model ... <end_of_turn>), Mistral and Llama 2 ([INST] ...
// [/INST] answer</s>, with an optional [SYSTEM_PROMPT] block or <<SYS>> block in
// the first [INST]), Alpaca (### Instruction: / ### Input: / ### Response:) and
// Vicuna (USER: / ASSISTANT: after an optional system preamble).
//
// It succeeds only when the whole prompt follows the template and ends with an
// open assistant turn, the one a completion continues. That turn is the last
// message returned: its Content is whatever text the prompt already put in it
// (often ""), so the answer is that text followed by the completion. The
// distinctive marker of a template decides which one is tried; a prompt that has
// it but does not parse is not tried against the others. Closed assistant turns
// get a leading <think> block moved into Reasoning, as in parsed answers.
func RecoverChat(prompt string) ([]Message, bool) {
	var (
		msgs []Message
		ok   bool
	)
	switch {
	case strings.Contains(prompt, "<|im_start|>"):
		msgs, ok = recoverTurns(prompt, turnFormat{
			bos: "<s>", start: "<|im_start|>", header: "\n", ends: []string{"<|im_end|>"},
			roles: map[string]Role{"system": RoleSystem, "user": RoleUser, "assistant": RoleAssistant, "tool": RoleTool},
		})
	case strings.Contains(prompt, "<|start_header_id|>"):
		msgs, ok = recoverTurns(prompt, turnFormat{
			bos: "<|begin_of_text|>", start: "<|start_header_id|>", header: "<|end_header_id|>",
			ends:  []string{"<|eot_id|>", "<|eom_id|>"},
			roles: map[string]Role{"system": RoleSystem, "user": RoleUser, "assistant": RoleAssistant, "ipython": RoleTool, "tool": RoleTool},
		})
	case strings.Contains(prompt, "<start_of_turn>"):
		msgs, ok = recoverTurns(prompt, turnFormat{
			bos: "<bos>", start: "<start_of_turn>", header: "\n", ends: []string{"<end_of_turn>"},
			roles: map[string]Role{"system": RoleSystem, "user": RoleUser, "model": RoleAssistant},
		})
	case strings.Contains(prompt, "[INST]"):
		msgs, ok = recoverMistral(prompt)
	case strings.Contains(prompt, "### Instruction:"):
		msgs, ok = recoverAlpaca(prompt)
	case strings.Contains(prompt, "USER:"):
		msgs, ok = recoverVicuna(prompt)
	}
	if !ok || !validRecovered(msgs) {
		return nil, false
	}
	for i := range msgs[:len(msgs)-1] {
		if msgs[i].Role == RoleAssistant {
			splitThink(&msgs[i])
		}
	}
	return msgs, true
}

// validRecovered checks the shape every template must give: something before an
// open assistant turn, and no two assistant turns in a row.
func validRecovered(msgs []Message) bool {
	if len(msgs) < 2 || msgs[len(msgs)-1].Role != RoleAssistant {
		return false
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].Role == RoleAssistant && msgs[i-1].Role == RoleAssistant {
			return false
		}
	}
	return true
}

const spaces = " \t\r\n"

// turnFormat describes a template where each turn is start+role+header, the
// content, and an end token.
type turnFormat struct {
	bos    string // may open the prompt
	start  string
	header string
	ends   []string
	roles  map[string]Role
}

func recoverTurns(prompt string, f turnFormat) ([]Message, bool) {
	rest := strings.TrimLeft(prompt, spaces)
	rest = strings.TrimLeft(strings.TrimPrefix(rest, f.bos), spaces)
	if !strings.HasPrefix(rest, f.start) {
		return nil, false
	}
	turns := strings.Split(rest[len(f.start):], f.start)
	var msgs []Message
	for i, turn := range turns {
		last := i == len(turns)-1
		name, body, found := strings.Cut(turn, f.header)
		role, known := f.roles[strings.TrimSpace(name)]
		if !known || !found && !(last && role == RoleAssistant) {
			return nil, false
		}
		content, closed := cutAny(body, f.ends)
		switch {
		case closed && strings.TrimSpace(content.after) != "":
			return nil, false // text between turns: not this template
		case closed && last:
			return nil, false // the prompt ends with a closed turn, not an open one
		case !closed && !last:
			return nil, false
		case !closed:
			msgs = append(msgs, Message{Role: role, Content: strings.TrimLeft(body, spaces)})
		default:
			msgs = append(msgs, Message{Role: role, Content: strings.TrimSpace(content.before)})
		}
	}
	return msgs, true
}

type cutResult struct{ before, after string }

// cutAny cuts s around the first of seps to occur in it.
func cutAny(s string, seps []string) (cutResult, bool) {
	best, sep := -1, ""
	for _, p := range seps {
		if i := strings.Index(s, p); i >= 0 && (best < 0 || i < best) {
			best, sep = i, p
		}
	}
	if best < 0 {
		return cutResult{before: s}, false
	}
	return cutResult{before: s[:best], after: s[best+len(sep):]}, true
}
