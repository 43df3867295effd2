package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// greetingSwap reports whether a history whose first turn differs from every
// stored one and whose second turn is stored after the first turn of conversation
// convID is that conversation with another greeting: its first turn is an assistant
// message (a character card's greeting, SillyTavern's alternate greetings swiped in)
// and its prelude is the conversation's (the same card: as many messages, all but
// at most one the same, since a date line may change). Match then makes the greeting a root sibling, a branch at the opener
// like any swipe (issue 16); two characters' chats that open with the same user
// line stay apart by their cards.
func greetingSwap(ctx context.Context, tx *sql.Tx, convID int64, r *dataset.Round, turns []dataset.Message) (bool, error) {
	if turns[0].Role != dataset.RoleAssistant {
		return false, nil
	}
	var hash string
	if err := tx.QueryRowContext(ctx, `SELECT prelude_hash FROM conversations WHERE id = ?`, convID).Scan(&hash); err != nil {
		return false, fmt.Errorf("prelude of conversation %d: %w", convID, err)
	}
	b, err := blob(ctx, tx, hash)
	if err != nil {
		return false, fmt.Errorf("prelude of conversation %d: %w", convID, err)
	}
	var stored []dataset.Message
	if len(b) > 0 {
		if err := json.Unmarshal(b, &stored); err != nil {
			return false, fmt.Errorf("decode prelude %s: %w", hash, err)
		}
	}
	return samePrelude(stored, dataset.SplitHistory(r.Messages).Prelude), nil
}

// samePrelude reports whether a and b are one prelude sent at different times: as
// many messages, and all but at most one of them the same text. Similar texts would
// not do: every card shares the frontend's boilerplate main prompt.
func samePrelude(a, b []dataset.Message) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	differ := 0
	for i := range a {
		if strings.TrimSpace(a[i].Content) != strings.TrimSpace(b[i].Content) {
			differ++
		}
	}
	return differ <= 1
}

// nameTail is how many of the deepest stored turns of a history nameAnswers looks at.
const nameTail = 4

// nameAnswers gives stored answers the speaker name the client resends them with.
// A response carries no name, but a group chat's history does (SillyTavern sends
// each character's turns with "name" under its Completion names setting), and the
// ShareGPT writer puts it into the text ("Name: …", issue 16). Only the deepest few
// of the matched turns are looked at: the answers of the rounds just before, which
// is where a name first arrives. A history without names costs nothing.
// keys are dataset.PathKeys(turns).
func nameAnswers(ctx context.Context, tx *sql.Tx, convID int64, turns []dataset.Message, keys []string, matched int) error {
	lo := max(0, matched-nameTail)
	named := false
	for _, t := range turns[lo:matched] {
		named = named || (t.Role == dataset.RoleAssistant && t.Name != "")
	}
	if !named {
		return nil
	}
	for i := lo; i < matched; i++ {
		if turns[i].Role != dataset.RoleAssistant || turns[i].Name == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET name = ?
			WHERE conversation_id = ? AND key = ? AND name = '' AND is_answer`, turns[i].Name, convID, keys[i]); err != nil {
			return fmt.Errorf("name answer of conversation %d: %w", convID, err)
		}
	}
	return nil
}
