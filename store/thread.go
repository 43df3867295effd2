package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

// node is the part of a stored message that threading needs.
type node struct {
	id, conversationID     int64
	key, contentKey        string
	depth, rounds, answers int
	role                   dataset.Role
	isAnswer               bool
	content                string
}

// thread places one round into the conversation tree.
//
// The tree holds only the dialogue turns (dataset.SplitHistory): a frontend that
// rebuilds its system prompt every turn or injects notes into the history still
// continues one conversation, whose prelude (system prompt, example dialogue) is
// replaced by the newest one sent. Each turn's key hashes the turns up to it, so the
// stored prefixes of a history are found by looking its keys up; match decides
// which conversation, if any, the round continues (see there for the rules).
//
// A history that ends in an assistant turn without tool calls may ask the model to
// continue that turn (SillyTavern's Continue, an Anthropic prefill; whether it does
// depends on the API, see dataset.ContinuesLast). Then the answer stored is the
// prefill and its continuation together, a sibling of the partial turn when that
// was stored, and it becomes the head. A partial answer that was stored earlier
// stays as it was.
func thread(ctx context.Context, tx *sql.Tx, exchangeID int64, host string, at time.Time, r *dataset.Round) error {
	h := dataset.SplitHistory(r.Messages)
	turns, answers := h.Turns, r.Answers
	if dataset.ContinuesLast(r, turns) {
		prefill := turns[len(turns)-1]
		turns = turns[:len(turns)-1]
		answers = make([]dataset.Message, len(r.Answers))
		for i, a := range r.Answers {
			a.Content = dataset.Continue(prefill.Content, a.Content)
			answers[i] = a
		}
	}
	p, err := match(ctx, tx, r, turns, millis(at))
	if err != nil {
		return err
	}
	convID := p.convID
	if convID == 0 {
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations
			(title, model, host, session_id, origin_exchange_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, title(turns), r.Model, host, r.SessionID, exchangeID, millis(at), millis(at))
		if err != nil {
			return err
		}
		if convID, err = res.LastInsertId(); err != nil {
			return err
		}
	}

	parent := p.parent
	for i := p.matched; i < len(turns); i++ {
		key := dataset.MessageKey(parentKey(parent), turns[i])
		n, err := childByKey(ctx, tx, convID, key)
		if err != nil {
			return err
		}
		if n == nil {
			// Only the first new turn can have stored siblings: the rest hang under it.
			edited := false
			if i == p.matched && p.convID != 0 {
				if edited, err = hasSibling(ctx, tx, convID, parent, turns[i].Role); err != nil {
					return err
				}
			}
			n, err = insertMessage(ctx, tx, convID, parent, key, turns[i], msgMeta{edited: edited, exchangeID: exchangeID, at: at})
			if err != nil {
				return err
			}
		}
		parent = n
	}
	head := parent
	for i, answer := range answers {
		key := dataset.MessageKey(parentKey(parent), answer)
		n, err := childByKey(ctx, tx, convID, key)
		if err != nil {
			return err
		}
		if n == nil { // an identical answer (a retry) is kept once
			meta := msgMeta{answer: true, responseID: r.ResponseID, exchangeID: exchangeID, at: at}
			if i == 0 {
				meta.finish = r.FinishReason
			}
			if n, err = insertMessage(ctx, tx, convID, parent, key, answer, meta); err != nil {
				return err
			}
		}
		if i == 0 {
			head = n
		}
	}
	if head == nil {
		return nil
	}
	// A person's branch choice or cut decides where the path ends (branch.go); head
	// stays the answer this round carried, which syncReview puts the usage on.
	end, err := chosenHead(ctx, tx, convID, head)
	if err != nil {
		return err
	}
	if err := updateConversation(ctx, tx, convID, end, h.Prelude, turns, r, at); err != nil {
		return err
	}
	return syncReview(ctx, tx, convID, exchangeID, host, r)
}

// parentKey is the key new turns chain to: the parent's, or "" for a root.
func parentKey(parent *node) string {
	if parent != nil {
		return parent.key
	}
	return ""
}

// updateConversation points a conversation at its new head and keeps the newest
// prelude, tool list and model the client sent.
func updateConversation(ctx context.Context, tx *sql.Tx, convID int64, head *node,
	prelude, turns []dataset.Message, r *dataset.Round, at time.Time) error {
	preludeHash, err := putPrelude(ctx, tx, prelude)
	if err != nil {
		return err
	}
	toolsHash, err := putBlob(ctx, tx, []byte(r.Tools))
	if err != nil {
		return err
	}
	// SET expressions read the row as it was, so prelude_count below is the old count.
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET
		head_id = ?, rounds = ?, updated_at = MAX(updated_at, ?),
		message_count = ? + CASE WHEN ? = '' THEN prelude_count ELSE ? END,
		prelude_count = CASE WHEN ? = '' THEN prelude_count ELSE ? END,
		model = CASE WHEN ? = '' THEN model ELSE ? END,
		tools_hash = CASE WHEN ? = '' THEN tools_hash ELSE ? END,
		prelude_hash = CASE WHEN ? = '' THEN prelude_hash ELSE ? END,
		session_id = CASE WHEN session_id = '' THEN ? ELSE session_id END,
		title = CASE WHEN title = '' THEN ? ELSE title END
		WHERE id = ?`,
		head.id, head.rounds, millis(at), head.depth, preludeHash, len(prelude), preludeHash, len(prelude),
		r.Model, r.Model, toolsHash, toolsHash,
		preludeHash, preludeHash, r.SessionID, title(turns), convID)
	return err
}

// childByKey finds the message with the given path key in a conversation, or nil.
func childByKey(ctx context.Context, tx *sql.Tx, convID int64, key string) (*node, error) {
	n := node{conversationID: convID, key: key}
	err := tx.QueryRowContext(ctx, `SELECT id, content_key, depth, rounds, answers, role, is_answer FROM messages
		WHERE conversation_id = ? AND key = ? LIMIT 1`, convID, key).
		Scan(&n.id, &n.contentKey, &n.depth, &n.rounds, &n.answers, &n.role, &n.isAnswer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// hasSibling reports whether the conversation already holds a message of the given
// role under parent (nil: a root): a new turn there is the client's edit of it.
func hasSibling(ctx context.Context, tx *sql.Tx, convID int64, parent *node, role dataset.Role) (bool, error) {
	q, args := `SELECT 1 FROM messages WHERE parent_id = ? AND role = ? LIMIT 1`, []any{0, string(role)}
	if parent != nil {
		args[0] = parent.id
	} else {
		// Every conversation has roots: look in this one only.
		q = `SELECT 1 FROM messages INDEXED BY messages_conversation
			WHERE conversation_id = ? AND parent_id IS NULL AND role = ? LIMIT 1`
		args[0] = convID
	}
	var one int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// msgMeta is what threading knows about a message beyond its content.
type msgMeta struct {
	answer     bool // carried by a response, not only seen in a history
	edited     bool // a client's changed copy of a stored turn
	finish     string
	responseID string
	exchangeID int64
	at         time.Time
}

func insertMessage(ctx context.Context, tx *sql.Tx, convID int64, parent *node, key string,
	m dataset.Message, meta msgMeta) (*node, error) {
	n := &node{conversationID: convID, key: key, contentKey: dataset.MessageKey("", m), depth: 1,
		role: m.Role, isAnswer: meta.answer, content: m.Content}
	var parentID sql.NullInt64
	if parent != nil {
		parentID = sql.NullInt64{Int64: parent.id, Valid: true}
		n.depth, n.rounds, n.answers = parent.depth+1, parent.rounds, parent.answers
	}
	if m.Role == dataset.RoleAssistant {
		n.rounds++
	}
	if meta.answer {
		n.answers++
	}
	toolCalls, err := jsonOrEmpty(m.ToolCalls, len(m.ToolCalls))
	if err != nil {
		return nil, err
	}
	refs, err := putMedia(ctx, tx, m.Media)
	if err != nil {
		return nil, err
	}
	media, err := jsonOrEmpty(refs, len(refs))
	if err != nil {
		return nil, err
	}
	responseID := ""
	if meta.answer {
		responseID = meta.responseID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO messages
		(conversation_id, parent_id, key, content_key, depth, rounds, answers, role, content, reasoning,
		 tool_calls, tool_call_id, name, media, finish_reason, is_answer, edited_by_client, response_id,
		 exchange_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		convID, parentID, key, n.contentKey, n.depth, n.rounds, n.answers, string(m.Role), m.Content, m.Reasoning,
		toolCalls, m.ToolCallID, m.Name, media, meta.finish, meta.answer, meta.edited, responseID,
		meta.exchangeID, millis(meta.at))
	if err != nil {
		return nil, err
	}
	if n.id, err = res.LastInsertId(); err != nil {
		return nil, err
	}
	return n, nil
}

// jsonOrEmpty encodes v, or gives "" when it holds n == 0 items.
func jsonOrEmpty(v any, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// title is a conversation's first user turn, cut to one line of at most 120 characters.
// The <system-reminder> blocks a coding agent (Claude Code) adds to user turns are
// not what the person asked, so they are left out.
func title(turns []dataset.Message) string {
	for _, m := range turns {
		if m.Role != dataset.RoleUser {
			continue
		}
		t := strings.Join(strings.Fields(withoutReminders(m.Content)), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > 120 {
			r := []rune(t)
			t = strings.TrimSpace(string(r[:119])) + "…"
		}
		return t
	}
	return ""
}

// withoutReminders removes the <system-reminder>...</system-reminder> blocks from s.
func withoutReminders(s string) string {
	const open, closing = "<system-reminder>", "</system-reminder>"
	for {
		i := strings.Index(s, open)
		j := strings.Index(s, closing)
		if i < 0 || j < i {
			return s
		}
		s = s[:i] + s[j+len(closing):]
	}
}
