package dataset

import "strings"

// The templates here mark turns with words or [INST] tags rather than a role
// header per turn, so each has its own reader.

// recoverMistral reads "<s>[INST] user [/INST] answer</s>[INST] user [/INST]",
// in the spaced (v1) and unspaced (v3, Tekken) forms, with Llama 2's "<s>"
// before every [INST], a leading [SYSTEM_PROMPT] block (v7), or a <<SYS>> block
// opening the first [INST] (Llama 2). Older Mistral templates fold the system
// prompt into a user turn with no marker; that text stays in the user message.
func recoverMistral(prompt string) ([]Message, bool) {
	for _, tag := range []string{"[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[TOOL_RESULTS]"} {
		if strings.Contains(prompt, tag) {
			return nil, false // tool turns are not read back
		}
	}
	rest := strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(prompt, spaces), "<s>"), spaces)
	var msgs []Message
	if after, ok := strings.CutPrefix(rest, "[SYSTEM_PROMPT]"); ok {
		system, tail, closed := strings.Cut(after, "[/SYSTEM_PROMPT]")
		if !closed {
			return nil, false
		}
		msgs = append(msgs, Message{Role: RoleSystem, Content: strings.TrimSpace(system)})
		rest = tail
	}
	for {
		rest = strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(rest, spaces), "<s>"), spaces)
		after, ok := strings.CutPrefix(rest, "[INST]")
		if !ok {
			return nil, false
		}
		user, tail, closed := strings.Cut(after, "[/INST]")
		if !closed || strings.Contains(user, "[INST]") {
			return nil, false
		}
		user = strings.TrimSpace(user)
		if len(msgs) == 0 {
			if sys, ok := strings.CutPrefix(user, "<<SYS>>"); ok {
				system, u, closed := strings.Cut(sys, "<</SYS>>")
				if !closed {
					return nil, false
				}
				msgs = append(msgs, Message{Role: RoleSystem, Content: strings.TrimSpace(system)})
				user = strings.TrimSpace(u)
			}
		}
		msgs = append(msgs, Message{Role: RoleUser, Content: user})
		answer, closed := cutAny(tail, []string{"</s>", "[INST]"})
		if !closed {
			msgs = append(msgs, Message{Role: RoleAssistant, Content: strings.TrimLeft(tail, spaces)})
			return msgs, true
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: strings.TrimSpace(answer.before)})
		rest = answer.after
		if strings.HasPrefix(tail[len(answer.before):], "[INST]") {
			rest = tail[len(answer.before):] // the answer ended without </s>
		}
	}
}

// recoverAlpaca reads an optional preamble (the system prompt) and then
// "### Instruction:" turns, each with an optional "### Input:" (joined to the
// instruction after a blank line) and a "### Response:"; the last response is
// the open turn. Headers count only at the start of a line.
func recoverAlpaca(prompt string) ([]Message, bool) {
	const instruction, input, response = "### Instruction:", "### Input:", "### Response:"
	type block struct{ header, body string }
	var (
		preamble strings.Builder
		blocks   []block
	)
	for _, line := range strings.SplitAfter(prompt, "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		header := ""
		for _, h := range []string{instruction, input, response} {
			if strings.HasPrefix(trimmed, h) {
				header = h
			}
		}
		switch {
		case header != "":
			blocks = append(blocks, block{header, strings.TrimPrefix(trimmed, header)})
		case len(blocks) > 0:
			blocks[len(blocks)-1].body += line
		default:
			preamble.WriteString(line)
		}
	}
	var msgs []Message
	if system := strings.TrimSpace(preamble.String()); system != "" {
		msgs = append(msgs, Message{Role: RoleSystem, Content: system})
	}
	prev := response // the header before: each turn starts after a response
	for i, b := range blocks {
		switch {
		case b.header == instruction && prev == response:
			msgs = append(msgs, Message{Role: RoleUser, Content: strings.TrimSpace(b.body)})
		case b.header == input && prev == instruction:
			m := &msgs[len(msgs)-1]
			m.Content = joinText(m.Content, strings.TrimSpace(b.body), "\n\n")
		case b.header == response && prev != response:
			content := strings.TrimSpace(b.body)
			if i == len(blocks)-1 {
				content = strings.TrimLeft(b.body, spaces)
			}
			msgs = append(msgs, Message{Role: RoleAssistant, Content: content})
		default:
			return nil, false
		}
		prev = b.header
	}
	return msgs, prev == response
}

// recoverVicuna reads "preamble USER: text ASSISTANT: answer</s>USER: text
// ASSISTANT:" (Vicuna v1.1). A role marker counts only at the start of the
// prompt or after whitespace or "</s>", and turns must alternate from USER.
func recoverVicuna(prompt string) ([]Message, bool) {
	const user, assistant = "USER:", "ASSISTANT:"
	type mark struct {
		at   int
		role Role
		size int
	}
	var marks []mark
	for i := 0; i < len(prompt); i++ {
		if i > 0 && !strings.ContainsRune(spaces, rune(prompt[i-1])) && !strings.HasSuffix(prompt[:i], "</s>") {
			continue
		}
		switch {
		case strings.HasPrefix(prompt[i:], user):
			marks = append(marks, mark{i, RoleUser, len(user)})
		case strings.HasPrefix(prompt[i:], assistant):
			marks = append(marks, mark{i, RoleAssistant, len(assistant)})
		}
	}
	if len(marks) == 0 || marks[0].role != RoleUser {
		return nil, false
	}
	var msgs []Message
	if system := strings.TrimSpace(prompt[:marks[0].at]); system != "" {
		msgs = append(msgs, Message{Role: RoleSystem, Content: system})
	}
	for i, m := range marks {
		want := RoleUser
		if i%2 == 1 {
			want = RoleAssistant
		}
		if m.role != want {
			return nil, false
		}
		end := len(prompt)
		if i+1 < len(marks) {
			end = marks[i+1].at
		}
		body := prompt[m.at+m.size : end]
		if i == len(marks)-1 {
			msgs = append(msgs, Message{Role: m.role, Content: strings.TrimLeft(body, spaces)})
			continue
		}
		body = strings.TrimSpace(body)
		body = strings.TrimSpace(strings.TrimSuffix(body, "</s>"))
		msgs = append(msgs, Message{Role: m.role, Content: body})
	}
	return msgs, true
}
