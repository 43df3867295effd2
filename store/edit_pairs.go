package store

import (
	"context"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// EachPreferencePair calls fn with every preference pair in the conversations the
// filter takes, oldest conversation first. Pairs come from answers to the same
// prompt, over the whole tree rather than only the chosen path:
//
//   - an answer the person marked preferred is chosen over each of its siblings;
//   - an answer the client resent changed (editedByClient) is chosen over the
//     oldest sibling it replaced, unless the change only put the speaker's name in
//     front (dataset.OnlySpeakerAdded);
//   - an answer the person edited is chosen over its own captured text.
//
// An answer marked "don't train" is never chosen. The prompt is the path up to the
// answers with the person's edits and system prompt applied; "don't train" rounds
// in it stay, since a preference trainer learns only from the two answers. fn's
// error stops the walk and is returned as is.
func (db *DB) EachPreferencePair(ctx context.Context, f ExportFilter, fn func(dataset.PreferencePair) error) error {
	ids, err := db.ExportIDs(ctx, f)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.PreferencePairs(ctx, id, fn); err != nil {
			return err
		}
	}
	return nil
}

// answerFacts is what pairing needs to know about one answer.
type answerFacts struct {
	id, parent     int64
	client, edited bool
	preferred      bool
}

// PreferencePairs calls fn with the preference pairs of one conversation.
func (db *DB) PreferencePairs(ctx context.Context, convID int64, fn func(dataset.PreferencePair) error) error {
	base := dataset.PreferencePair{ID: convID}
	var toolsHash, preludeHash string
	if err := db.sql.QueryRowContext(ctx, `SELECT title, tools, tools_hash, prelude_hash FROM conversations WHERE id = ?`,
		convID).Scan(&base.Title, &base.Tools, &toolsHash, &preludeHash); err != nil {
		return fmt.Errorf("pairs of conversation %d: %w", convID, err)
	}
	if toolsHash != "" {
		tools, err := blob(ctx, db.sql, toolsHash)
		if err != nil {
			return fmt.Errorf("pairs of conversation %d: %w", convID, err)
		}
		base.Tools = string(tools)
	}
	groups, err := db.answerGroups(ctx, convID)
	if err != nil {
		return fmt.Errorf("pairs of conversation %d: %w", convID, err)
	}
	for _, g := range groups {
		pairs := pairsOf(g)
		if len(pairs) == 0 {
			continue
		}
		p := base
		if p.History, err = db.history(ctx, convID, preludeHash, g[0].parent); err != nil {
			return fmt.Errorf("pairs of conversation %d: %w", convID, err)
		}
		seen := map[[2]string]bool{}
		for _, ids := range pairs {
			chosen, err := db.Message(ctx, ids[0])
			if err != nil {
				return err
			}
			rejected, err := db.Message(ctx, ids[1])
			if err != nil {
				return err
			}
			p.Chosen, p.Rejected = chosen.Message, rejected.Message
			if ids[0] == ids[1] { // an edit against what was captured
				p.Rejected.Content = *rejected.Original
			}
			k := [2]string{p.Chosen.Content, p.Rejected.Content}
			// A group chat's resent answer differs from the model's only by the
			// speaker's name in front (issue 16): the same answer, not a preference.
			if !chosen.Train || seen[k] || (ids[0] != ids[1] && dataset.OnlySpeakerAdded(p.Rejected.Content, p.Chosen.Content)) {
				continue
			}
			seen[k] = true
			if err := fn(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// answerGroups returns the answers of a conversation that have a parent, grouped
// by it, oldest first.
func (db *DB) answerGroups(ctx context.Context, convID int64) ([][]answerFacts, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT m.id, m.parent_id, m.edited_by_client,
			e.content IS NOT NULL, COALESCE(e.preferred, 0)
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		LEFT JOIN message_edits e ON e.origin_exchange_id = c.origin_exchange_id AND e.key = m.key
		WHERE m.conversation_id = ? AND m.role = 'assistant' AND m.parent_id IS NOT NULL
		ORDER BY m.parent_id, m.id`, convID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups [][]answerFacts
	for rows.Next() {
		var a answerFacts
		if err := rows.Scan(&a.id, &a.parent, &a.client, &a.edited, &a.preferred); err != nil {
			return nil, err
		}
		if n := len(groups); n > 0 && groups[n-1][0].parent == a.parent {
			groups[n-1] = append(groups[n-1], a)
		} else {
			groups = append(groups, []answerFacts{a})
		}
	}
	return groups, rows.Err()
}

// pairsOf returns the (chosen, rejected) message ids among sibling answers by the
// rules of EachPreferencePair; an id paired with itself is an edit against its
// captured text.
func pairsOf(g []answerFacts) [][2]int64 {
	var pairs [][2]int64
	for _, a := range g {
		if !a.preferred {
			continue
		}
		for _, s := range g {
			if s.id != a.id {
				pairs = append(pairs, [2]int64{a.id, s.id})
			}
		}
	}
	for _, a := range g {
		if !a.client {
			continue
		}
		for _, s := range g {
			if s.id < a.id && !s.client {
				pairs = append(pairs, [2]int64{a.id, s.id})
				break
			}
		}
	}
	for _, a := range g {
		if a.edited {
			pairs = append(pairs, [2]int64{a.id, a.id})
		}
	}
	return pairs
}

// history returns the prompt of the answers under parentID: the prelude and the
// path down to it, with the person's changes applied.
func (db *DB) history(ctx context.Context, convID int64, preludeHash string, parentID int64) ([]dataset.Message, error) {
	msgs, err := db.prelude(ctx, preludeHash)
	if err != nil {
		return nil, err
	}
	path, err := db.path(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if msgs, err = db.review(ctx, convID, append(msgs, path...)); err != nil {
		return nil, err
	}
	out := make([]dataset.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m.Message
	}
	return out, nil
}
