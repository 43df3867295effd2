package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/llmtap/llmtap/dataset"
)

// EachPreferencePair calls fn with every preference pair in the conversations the
// filter takes, oldest conversation first (see Pairs; every rule).
func (db *DB) EachPreferencePair(ctx context.Context, f ExportFilter, fn func(dataset.PreferencePair) error) error {
	ids, err := db.ExportIDs(ctx, f)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.Pairs(ctx, id, dataset.PairsAll, fn); err != nil {
			return err
		}
	}
	return nil
}

// answerFacts is what pairing needs to know about one answer.
type answerFacts struct {
	id, parent, exchange      int64
	client, edited, preferred bool
	continued                 bool
	thumb                     int
}

// PreferencePairs calls fn with the preference pairs of one conversation, every
// rule (Pairs with dataset.PairsAll).
func (db *DB) PreferencePairs(ctx context.Context, convID int64, fn func(dataset.PreferencePair) error) error {
	return db.Pairs(ctx, convID, dataset.PairsAll, fn)
}

// Pairs calls fn with the preference pairs of one conversation that policy takes.
// Pairs come from the answers to the same prompt, over the whole tree rather than
// only the chosen path, chosen by dataset.PairSiblings (a reviewer's preference,
// a reviewer's thumbs down, the answer the client went on from, the client's edit over the original, the
// newest regeneration), and from each answer a reviewer edited: the edit over its
// captured text (dataset.RuleReviewerEdit). n > 1 choices of one response are
// siblings like regenerations.
//
// Only answers count: an opener (a card's greeting, seen only in histories before
// any user turn) is never one. An answer marked "don't train" is never chosen, a
// pair whose two texts are the same is made once, and a group chat's resent answer
// that differs only by the speaker's name in front is no preference
// (dataset.OnlySpeakerAdded). The prompt is the path up to the answers and nothing
// after, with the person's edits and system prompt applied; "don't train" rounds
// in it stay, since a preference trainer learns only from the two answers. fn's
// error stops the walk and is returned as is.
func (db *DB) Pairs(ctx context.Context, convID int64, policy dataset.PairPolicy, fn func(dataset.PreferencePair) error) error {
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
	reads := pairReads{
		message: func(ctx context.Context, id int64) (*Message, error) { return db.pairMessage(ctx, convID, id) },
		history: func(ctx context.Context, parent int64) ([]dataset.Message, error) {
			return db.history(ctx, convID, preludeHash, parent)
		},
	}
	for _, g := range groups {
		if err := db.groupPairs(ctx, base, reads, g, policy, fn); err != nil {
			return err
		}
	}
	return nil
}

// pairReads is how groupPairs reads an answer and the prompt of the answers under
// a parent: with queries of their own (Pairs) or from a batch read ahead (PairsBatch).
type pairReads struct {
	message func(ctx context.Context, id int64) (*Message, error)
	history func(ctx context.Context, parent int64) ([]dataset.Message, error)
}

// groupPairs calls fn with the pairs among the sibling answers g.
func (db *DB) groupPairs(ctx context.Context, base dataset.PreferencePair, reads pairReads, g []answerFacts,
	policy dataset.PairPolicy, fn func(dataset.PreferencePair) error) error {
	if len(g) == 1 && !g[0].edited {
		return nil // the common case, read no further: one answer, as captured
	}
	if policy == dataset.PairsReviewed && !slices.ContainsFunc(g, func(a answerFacts) bool { return a.preferred || a.edited || a.thumb < 0 }) {
		return nil // nothing a reviewer marked
	}
	msgs := make([]*Message, len(g))
	sibs := make([]dataset.Sibling, len(g))
	anyEdit := false
	for i, a := range g {
		m, err := reads.message(ctx, a.id)
		if err != nil {
			return err
		}
		msgs[i] = m
		sibs[i] = dataset.Sibling{ID: a.id, Exchange: a.exchange, Text: m.Content, Preferred: a.preferred, Continued: a.continued, ClientEdit: a.client, Thumb: a.thumb}
		anyEdit = anyEdit || (a.edited && m.Original != nil)
	}
	type pick struct {
		chosen, rejected int
		rule             dataset.PairRule
	}
	var picks []pick
	for _, sp := range dataset.PairSiblings(sibs) {
		if policy.Takes(sp.Rule) { // before the history is read
			picks = append(picks, pick{sp.Chosen, sp.Rejected, sp.Rule})
		}
	}
	if anyEdit && policy.Takes(dataset.RuleReviewerEdit) {
		for i, m := range msgs {
			if m.Original != nil {
				picks = append(picks, pick{i, i, dataset.RuleReviewerEdit}) // the edit over its captured text
			}
		}
	}
	if len(picks) == 0 {
		return nil
	}
	p := base
	var err error
	if p.History, err = reads.history(ctx, g[0].parent); err != nil {
		return fmt.Errorf("pairs of conversation %d: %w", base.ID, err)
	}
	if !hasUserTurn(p.History) {
		return nil // the siblings are openers (a group chat's greetings), not answers
	}
	if p.History, err = db.speakerPrompt(ctx, base.ID, p.History, msgs); err != nil {
		return fmt.Errorf("pairs of conversation %d: %w", base.ID, err)
	}
	seen := map[[2]string]bool{}
	for _, pk := range picks {
		chosen, rejected := msgs[pk.chosen], msgs[pk.rejected]
		if !policy.Takes(pk.rule) || !chosen.Train {
			continue
		}
		p.Chosen, p.Rejected, p.Rule = chosen.Message, rejected.Message, pk.rule
		if pk.chosen == pk.rejected {
			p.Rejected.Content = *rejected.Original
		}
		k := [2]string{p.Chosen.Content, p.Rejected.Content}
		// A group chat's resent answer differs from the model's only by the
		// speaker's name in front (issue 16): the same answer, not a preference.
		if seen[k] || p.Chosen.Content == p.Rejected.Content ||
			(pk.chosen != pk.rejected && dataset.OnlySpeakerAdded(p.Rejected.Content, p.Chosen.Content)) {
			continue
		}
		seen[k] = true
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// speakerPrompt gives the prompt of a group chat's answers the prelude they were
// asked with (issue 16): the conversation keeps the newest one, which may be
// another character's card. answers are the sibling answers; a prompt whose
// answers carry no speaker name, or whose system prompt a reviewer wrote, is
// returned as it is.
func (db *DB) speakerPrompt(ctx context.Context, convID int64, history []dataset.Message, answers []*Message) ([]dataset.Message, error) {
	var ex int64
	for _, a := range answers {
		if a.Name != "" && a.ExchangeID != 0 {
			ex = a.ExchangeID
		}
	}
	if ex == 0 {
		return history, nil
	}
	var edited bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations c JOIN conversation_choices ch
		ON ch.origin_exchange_id = c.origin_exchange_id WHERE c.id = ? AND ch.system_content IS NOT NULL)`, convID).
		Scan(&edited); err != nil || edited {
		return history, err // a system prompt a reviewer wrote holds for every speaker
	}
	prelude, err := db.exchangePrelude(ctx, ex)
	if err != nil || len(prelude) == 0 {
		return history, err
	}
	rest := history
	for len(rest) > 0 && rest[0].Role == dataset.RoleSystem {
		rest = rest[1:]
	}
	return append(prelude[:len(prelude):len(prelude)], rest...), nil
}

// hasUserTurn reports whether msgs hold a user turn or tool results: a prompt an
// answer replies to, rather than a conversation's opening.
func hasUserTurn(msgs []dataset.Message) bool {
	for _, m := range msgs {
		if m.Role == dataset.RoleUser || m.Role == dataset.RoleTool {
			return true
		}
	}
	return false
}

// answerGroups returns the answers of a conversation that have a parent, grouped
// by it, oldest first (answerGroupsOf).
func (db *DB) answerGroups(ctx context.Context, convID int64) ([][]answerFacts, error) {
	groups, err := db.answerGroupsOf(ctx, []int64{convID})
	return groups[convID], err
}

// answerGroupsOf returns the answers of the conversations ids that have a parent,
// grouped by it, oldest first, by conversation. An answer is an assistant message
// a response carried, or one the client resent changed in its place.
func (db *DB) answerGroupsOf(ctx context.Context, ids []int64) (map[int64][][]answerFacts, error) {
	idList, _ := json.Marshal(ids) // []int64 always encodes
	rows, err := db.sql.QueryContext(ctx, `SELECT m.conversation_id, m.id, m.parent_id, COALESCE(m.exchange_id, 0), m.edited_by_client,
			e.content IS NOT NULL, COALESCE(e.preferred, 0), COALESCE(e.thumb, 0),
			EXISTS (SELECT 1 FROM messages k WHERE k.parent_id = m.id)
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		LEFT JOIN message_edits e ON e.origin_exchange_id = c.origin_exchange_id AND e.key = m.key
		WHERE m.conversation_id IN (SELECT value FROM json_each(?)) AND m.role = 'assistant' AND m.parent_id IS NOT NULL
			AND (m.is_answer OR m.edited_by_client)
		ORDER BY m.conversation_id, m.parent_id, m.id`, string(idList))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][][]answerFacts{}
	for rows.Next() {
		var conv int64
		var a answerFacts
		if err := rows.Scan(&conv, &a.id, &a.parent, &a.exchange, &a.client, &a.edited, &a.preferred, &a.thumb, &a.continued); err != nil {
			return nil, err
		}
		groups := out[conv]
		if n := len(groups); n > 0 && groups[n-1][0].parent == a.parent {
			groups[n-1] = append(groups[n-1], a)
		} else {
			groups = append(groups, []answerFacts{a})
		}
		out[conv] = groups
	}
	return out, rows.Err()
}

// history returns the prompt of the answers under parentID: the prelude and the
// path down to it, with the person's changes applied.
func (db *DB) history(ctx context.Context, convID int64, preludeHash string, parentID int64) ([]dataset.Message, error) {
	msgs, err := db.prelude(ctx, preludeHash)
	if err != nil {
		return nil, err
	}
	path, err := db.pathOf(ctx, parentID, false)
	if err != nil {
		return nil, err
	}
	if msgs, err = db.reviewed(ctx, convID, append(msgs, path...), false); err != nil {
		return nil, err
	}
	out := make([]dataset.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m.Message
	}
	return out, nil
}

// pairMessage is Message as pairing reads it: without its siblings and timing,
// which a pair does not hold, and their queries.
func (db *DB) pairMessage(ctx context.Context, convID, id int64) (*Message, error) {
	path, err := db.pathOf(ctx, id, false)
	if err == nil && len(path) == 0 {
		err = fmt.Errorf("message %d: %w", id, ErrNotFound) // deleted meanwhile by a reindex
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	msgs, err := db.reviewed(ctx, convID, path[len(path)-1:], false)
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	return &msgs[len(msgs)-1], nil // a system prompt edit puts its message in front
}

// PairConversations returns which of the conversations ids can have preference
// pairs that policy takes: those with sibling messages (branchedConversations) or
// a reviewer's edit or mark; of PairsReviewed, only the latter. Pairs gives nothing
// for any other, so an export skips reading them: a query or two for a batch
// instead of a walk of each tree.
func (db *DB) PairConversations(ctx context.Context, ids []int64, policy dataset.PairPolicy) (map[int64]bool, error) {
	out := map[int64]bool{}
	if policy != dataset.PairsReviewed {
		var err error
		if out, err = db.branchedConversations(ctx, ids); err != nil {
			return nil, err
		}
	}
	idList, _ := json.Marshal(ids) // []int64 always encodes
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id FROM conversations c
		WHERE c.id IN (SELECT value FROM json_each(?))
		  AND EXISTS (SELECT 1 FROM message_edits e WHERE e.origin_exchange_id = c.origin_exchange_id)`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("find edited conversations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find edited conversations: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find edited conversations: %w", err)
	}
	return out, nil
}
