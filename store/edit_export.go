package store

import "github.com/llmtap/llmtap/dataset"

// trainingMessages turns a conversation's reviewed path into the messages an
// export writes, leaving out every round that holds an answer marked "don't train".
//
// A round is a user turn (or several in a row) and everything up to the next user
// turn: the answer, and for an agent the tool calls, their results and the final
// answer. ShareGPT trains on every assistant turn of a record and a trainer cannot
// mask one, so the whole round goes: dropping only the answer would leave two user
// turns in a row, and dropping only a tool-calling turn would leave its results
// answering nothing. What remains is whole rounds in order, which keeps the record
// alternating. Turns before the first user turn (a character's greeting) form a
// round of their own. The prelude (negative ids) is never dropped.
func trainingMessages(msgs []Message) []dataset.Message {
	out := make([]dataset.Message, 0, len(msgs))
	var round []Message
	keep := true
	flush := func() {
		if keep {
			for _, m := range round {
				out = append(out, m.Message)
			}
		}
		round, keep = round[:0], true
	}
	for i, m := range msgs {
		if m.ID < 0 {
			out = append(out, m.Message)
			continue
		}
		if m.Role == dataset.RoleUser && i > 0 && msgs[i-1].ID > 0 && msgs[i-1].Role != dataset.RoleUser {
			flush()
		}
		round = append(round, m)
		if m.Role == dataset.RoleAssistant && !m.Train {
			keep = false
		}
	}
	flush()
	return out
}

// maskedMessages is trainingMessages for a format that can mark one assistant
// turn not to train on (OpenAI's weight, the messages layout's train flag): every
// round stays, and an assistant turn marked "don't train" carries NoTrain.
func maskedMessages(msgs []Message) []dataset.Message {
	out := make([]dataset.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m.Message
		out[i].NoTrain = m.Role == dataset.RoleAssistant && m.ID > 0 && !m.Train
	}
	return out
}
