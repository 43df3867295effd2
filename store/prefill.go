package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// continuesStored reports whether a history that ends in an assistant turn the API
// answers with a new message (p.maybePrefill) asks for that turn to be continued:
// SillyTavern's Continue with continue_prefill on sends the partial answer back as
// the last message, with no flag and no nudge after it (issue 12). It does when
//   - the history holds no user turn or tool result: a greeting-first chat
//     continued before the person said anything (issue 16); or
//   - the turn repeats or extends an answer a captured response carried at the
//     same place in the chat (the answer's text is the start of the turn's).
//
// Otherwise (a scripted assistant line an app put into its history) the answer
// is a new turn after it.
func continuesStored(ctx context.Context, tx *sql.Tx, p *prepared) (bool, error) {
	n := len(p.turns)
	opening := true
	for _, t := range p.turns {
		opening = opening && t.Role == dataset.RoleAssistant
	}
	if opening {
		return true, nil
	}
	if n < 2 {
		return false, nil
	}
	last := strings.TrimSpace(p.turns[n-1].Content)
	rows, err := tx.QueryContext(ctx, `SELECT `+fullContent("m")+` FROM messages pm JOIN messages m ON m.parent_id = pm.id
		WHERE pm.key = ? AND m.is_answer AND m.role = 'assistant' LIMIT 64`, p.keys[n-2])
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var content string
		if err := rows.Scan(&content); err != nil {
			return false, err
		}
		if c := strings.TrimSpace(content); c != "" && strings.HasPrefix(last, c) {
			return true, nil
		}
	}
	return false, rows.Err()
}
