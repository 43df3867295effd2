package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// staleAfter is how long a conversation stays open to a request that shares only
// unanswered turns with it (typically just the opening line). A new chat that opens
// the same way later, without a shared session, is a new conversation.
const staleAfter = 6 * time.Hour

// maxCandidates bounds how many conversations holding a prefix of a history are
// weighed; the deepest matches come first, so more would not change the choice.
const maxCandidates = 16

// placement is where a round's turns go.
type placement struct {
	convID  int64 // 0: a new conversation
	parent  *node // the stored turn the first unmatched turn hangs under; nil: a root
	matched int   // how many leading turns are stored already
}

// candidate is a conversation that holds a prefix of the history.
type candidate struct {
	node    *node // the deepest stored turn of the history; nil for a root edit
	matched int
	session string
	updated int64 // unix ms
}

// match finds where a round's dialogue turns continue, by these rules in order:
//
//  1. A round whose PreviousResponseID names a stored answer (OpenAI Responses)
//     continues right after it: its turns hold only the new input items.
//  2. Conversations are weighed deepest stored prefix first, newest first. One
//     whose session differs from the round's (both known) is never joined.
//  3. The whole history stored: the same question asked again (a regeneration or
//     swipe; the answer becomes a sibling). Joined when the shared path holds an
//     answer a response carried, or the conversation is fresh (same session, or
//     active within staleAfter), so two chats opening with the same line hours
//     apart stay apart.
//  4. The prefix holds a stored answer: the client resent what the model said, so
//     this is the same chat continued, or branched where the turns differ (an
//     edited answer or user turn becomes a sibling of the original).
//  5. Otherwise only unanswered turns are shared (a greeting, an opening line): a
//     fresh conversation is joined when the first differing turn reads as an edit
//     of a stored sibling (dataset.Similar), or the turn after it matches, or it is
//     an assistant turn no captured response produced where a captured answer
//     stands: the client rewrote that answer, however completely (issue 12).
//  6. Nothing matches by key, but the second turn is stored after a first turn of
//     the same role in a fresh conversation and was an answer or the first turns
//     are similar: the client edited its first message; a new root sibling. So is
//     another greeting under the same card (greetingSwap).
//
// Anything else starts a new conversation.
func match(ctx context.Context, tx *sql.Tx, r *dataset.Round, turns []dataset.Message, keys []string, at int64) (placement, error) {
	if r.PreviousResponseID != "" {
		p, ok, err := afterResponse(ctx, tx, r.PreviousResponseID, turns)
		if err != nil || ok {
			return p, err
		}
	}
	if len(turns) == 0 {
		return placement{}, nil
	}
	// keys are dataset.PathKeys(turns), worked out before the transaction (prepare).
	// A client nearly always resends all but its newest turn or two, so the deepest
	// keys are tried first and the whole history only when they lead nowhere.
	// A conversation is weighed once, at its deepest match.
	// A short history's keys are looked up at once, and both passes read the rows.
	var all []keyRow
	if len(keys) <= 2*tailKeys {
		var err error
		if all, err = keyRows(ctx, tx, keys); err != nil {
			return placement{}, err
		}
	}
	seen := map[int64]bool{}
	for lo, tried := max(0, len(keys)-tailKeys), len(keys); ; lo = 0 {
		rows := all
		if rows == nil {
			var err error
			if rows, err = keyRows(ctx, tx, keys[lo:tried]); err != nil {
				return placement{}, err
			}
		}
		cands := candidates(rows, keys, lo, tried)
		for _, c := range cands {
			if seen[c.node.conversationID] {
				continue
			}
			seen[c.node.conversationID] = true
			ok, err := accept(ctx, tx, c, r, turns, at)
			if err != nil {
				return placement{}, err
			}
			if ok {
				return placement{convID: c.node.conversationID, parent: c.node, matched: c.matched}, nil
			}
		}
		if lo == 0 {
			break
		}
		tried = lo
	}
	return rootEdit(ctx, tx, r, turns, at)
}

// afterResponse places turns after the answer with the given response ID, matching
// any of them already stored there (the same input sent again).
func afterResponse(ctx context.Context, tx *sql.Tx, responseID string, turns []dataset.Message) (placement, bool, error) {
	base := node{}
	err := tx.QueryRowContext(ctx, `SELECT id, conversation_id, key, depth, rounds, answers, role, is_answer
		FROM messages WHERE response_id = ? ORDER BY id DESC LIMIT 1`, responseID).
		Scan(&base.id, &base.conversationID, &base.key, &base.depth, &base.rounds, &base.answers, &base.role, &base.isAnswer)
	if errors.Is(err, sql.ErrNoRows) {
		return placement{}, false, nil // the earlier exchange was not captured: match by content
	}
	if err != nil {
		return placement{}, false, err
	}
	p := placement{convID: base.conversationID, parent: &base}
	for _, t := range turns {
		n, err := childByKey(ctx, tx, base.conversationID, dataset.MessageKey(p.parent.key, t))
		if err != nil || n == nil {
			return p, true, err
		}
		p.parent, p.matched = n, p.matched+1
	}
	return p, true, nil
}

// tailKeys is how many of the deepest keys match looks up first.
const tailKeys = 4

// keyRow is a stored turn whose key is one of a history's keys, with what match
// weighs of its conversation.
type keyRow struct {
	node    *node
	session string
	updated int64 // unix ms
}

// keyRows returns the stored turns whose key is one of keys.
func keyRows(ctx context.Context, tx *sql.Tx, keys []string) ([]keyRow, error) {
	// The IN list is padded to a power of two, so a handful of statement texts
	// cover every history length and the driver's prepared statements are reused.
	size := tailKeys
	for size < len(keys) {
		size *= 2
	}
	args := make([]any, size)
	for i := range args {
		args[i] = ""
	}
	for i, k := range keys {
		args[i] = k
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.id, m.conversation_id, m.key, m.rounds, m.answers, m.role,
			m.is_answer, m.depth, c.session_id, c.updated_at
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.key IN (?`+strings.Repeat(", ?", size-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []keyRow{} // not nil: nil means "not read" to match
	for rows.Next() {
		n := &node{}
		var k keyRow
		if err := rows.Scan(&n.id, &n.conversationID, &n.key, &n.rounds, &n.answers, &n.role, &n.isAnswer,
			&n.depth, &k.session, &k.updated); err != nil {
			return nil, err
		}
		k.node = n
		out = append(out, k)
	}
	return out, rows.Err()
}

// candidates returns, per conversation holding one of keys[lo:hi] (the keys of the
// history's prefixes) among rows, its deepest such turn: deepest first, then most
// recently active, at most maxCandidates.
//
// The grouping and order are done here, not in SQL: SQLite sorts an ORDER BY after
// a GROUP BY in a temporary file, which cost four times the lookups themselves. A
// key names one prefix of one history, so the rows are one per key a conversation
// holds: a handful for the tail keys.
func candidates(rows []keyRow, keys []string, lo, hi int) []candidate {
	depthOf := make(map[string]int, hi-lo)
	for i, k := range keys[lo:hi] {
		depthOf[k] = lo + i + 1
	}
	deepest := map[int64]keyRow{}
	for _, r := range rows {
		if _, ok := depthOf[r.node.key]; !ok {
			continue
		}
		if d, ok := deepest[r.node.conversationID]; !ok || r.node.depth > d.node.depth {
			deepest[r.node.conversationID] = r
		}
	}
	out := make([]candidate, 0, len(deepest))
	for _, r := range deepest {
		// A depth that disagrees with the key's place is a row from before the
		// dialogue-only keys of migration 2; such rows are not continued.
		if depthOf[r.node.key] != r.node.depth {
			continue
		}
		out = append(out, candidate{node: r.node, matched: r.node.depth, session: r.session, updated: r.updated})
	}
	// Deepest first, then most recently active, then newest.
	slices.SortFunc(out, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.node.depth, a.node.depth), cmp.Compare(b.updated, a.updated),
			cmp.Compare(b.node.conversationID, a.node.conversationID))
	})
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// accept applies rules 2 to 5 of match to one candidate.
func accept(ctx context.Context, tx *sql.Tx, c candidate, r *dataset.Round, turns []dataset.Message, at int64) (bool, error) {
	same, fresh, ok := sessionFit(r.SessionID, c.session, c.updated, at)
	switch {
	case !ok:
		return false, nil
	case c.matched == len(turns):
		return c.node.answers > 0 || fresh, nil
	case c.node.answers > 0:
		return true, nil
	case same && c.node.role == dataset.RoleAssistant:
		return true, nil // a session resending a turn whose answer was not captured
	case !fresh:
		return false, nil
	}
	return editedTurn(ctx, tx, c.node, turns, c.matched)
}

// sessionFit compares a round's session with a conversation's: ok is false when
// both are known and differ; same when they are equal; fresh when same, or the
// conversation was active within staleAfter of at.
func sessionFit(round, conv string, updated, at int64) (same, fresh, ok bool) {
	if round != "" && conv != "" && round != conv {
		return false, false, false
	}
	same = round != "" && round == conv
	return same, same || at-updated <= staleAfter.Milliseconds(), true
}

// editedTurn reports whether turns[i], the first one not stored under parent, is the
// client's edit of a stored sibling: similar text, or followed by the same turn, or
// an assistant turn no captured response produced standing where a captured answer
// stands (a client that rewrote the answer completely before its next message).
func editedTurn(ctx context.Context, tx *sql.Tx, parent *node, turns []dataset.Message, i int) (bool, error) {
	nextKey := ""
	if i+1 < len(turns) {
		nextKey = dataset.MessageKey("", turns[i+1])
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+fullContent("o")+`, o.is_answer,
			EXISTS (SELECT 1 FROM messages k WHERE k.parent_id = o.id AND k.content_key = ?)
		FROM messages o WHERE o.parent_id = ? AND o.role = ? LIMIT 64`, nextKey, parent.id, string(turns[i].Role))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	answered := false
	for rows.Next() {
		var content string
		var answer, nextMatches bool
		if err := rows.Scan(&content, &answer, &nextMatches); err != nil {
			return false, err
		}
		if nextMatches || dataset.Similar(content, turns[i].Content) {
			return true, nil
		}
		answered = answered || answer
	}
	if err := rows.Err(); err != nil || !answered || turns[i].Role != dataset.RoleAssistant || i+1 == len(turns) {
		return false, err
	}
	rows.Close()
	produced, err := producedAnswer(ctx, tx, turns[i])
	return !produced, err
}

// producedAnswer reports whether some captured response carried m: then a history
// holding it is that chat, wherever it is stored, not an edit of another answer.
func producedAnswer(ctx context.Context, tx *sql.Tx, m dataset.Message) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE content_key = ? AND is_answer LIMIT 1`,
		dataset.MessageKey("", m)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// rootEdit applies rule 6 of match: the first turn changed, the second is stored.
func rootEdit(ctx context.Context, tx *sql.Tx, r *dataset.Round, turns []dataset.Message, at int64) (placement, error) {
	if len(turns) < 2 {
		return placement{}, nil
	}
	// Almost every new chat has a second turn stored nowhere: one probe of the index
	// says so, where the query below sets up its sort (a third of a short round).
	second := dataset.MessageKey("", turns[1])
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE content_key = ? AND depth = 2 LIMIT 1`, second).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return placement{}, nil
	}
	if err != nil {
		return placement{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT o.conversation_id, `+fullContent("o")+`, k.is_answer, c.session_id, c.updated_at
		FROM messages k JOIN messages o ON o.id = k.parent_id JOIN conversations c ON c.id = k.conversation_id
		WHERE k.content_key = ? AND k.depth = 2 AND o.role = ?
		ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
		second, string(turns[0].Role), maxCandidates)
	if err != nil {
		return placement{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var convID, updated int64
		var content, session string
		var answer bool
		if err := rows.Scan(&convID, &content, &answer, &session, &updated); err != nil {
			return placement{}, err
		}
		if _, fresh, ok := sessionFit(r.SessionID, session, updated, at); ok && fresh {
			if answer || dataset.Similar(content, turns[0].Content) {
				return placement{convID: convID}, nil
			}
			if swap, err := greetingSwap(ctx, tx, convID, r, turns); err != nil || swap {
				return placement{convID: convID}, err
			}
		}
	}
	return placement{}, rows.Err()
}
