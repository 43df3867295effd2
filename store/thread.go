package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
)

// node is the part of a stored message that threading needs.
type node struct {
	id, conversationID int64
	key                string
	depth, rounds      int
	role               dataset.Role
}

// thread places one round into the conversation tree.
//
// Each message's key hashes the whole path up to it (dataset.PathKeys), so the longest
// history prefix already stored is found by looking the keys up. The round joins that
// conversation when the stored prefix is the whole history (the same question answered
// again: a regeneration, whose answer becomes a sibling) or ends at an assistant answer
// (the client sent the conversation so far plus new turns). Anything else starts a new
// conversation, so two chats that merely share an opening stay apart.
func thread(ctx context.Context, tx *sql.Tx, exchangeID int64, host string, at time.Time, r *dataset.Round) error {
	keys := dataset.PathKeys(r.Messages)
	parent, err := continuation(ctx, tx, r.Messages, keys)
	if err != nil {
		return err
	}
	matched := 0
	var convID int64
	if parent != nil {
		matched, convID = parent.depth, parent.conversationID
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations (title, model, host, tools, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, title(r.Messages), r.Model, host, r.Tools, millis(at), millis(at))
		if err != nil {
			return err
		}
		if convID, err = res.LastInsertId(); err != nil {
			return err
		}
	}

	for i := matched; i < len(r.Messages); i++ {
		if parent, err = insertMessage(ctx, tx, convID, parent, keys[i], r.Messages[i], "", exchangeID, at); err != nil {
			return err
		}
	}
	head := parent
	for i, answer := range r.Answers {
		parentKey := ""
		if parent != nil {
			parentKey = parent.key
		}
		key := dataset.MessageKey(parentKey, answer)
		finish := ""
		if i == 0 {
			finish = r.FinishReason
		}
		n, err := childByKey(ctx, tx, convID, key)
		if err != nil {
			return err
		}
		if n == nil { // an identical answer (a retry) is kept once
			if n, err = insertMessage(ctx, tx, convID, parent, key, answer, finish, exchangeID, at); err != nil {
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
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET
		head_id = ?, message_count = ?, rounds = ?, updated_at = MAX(updated_at, ?),
		model = CASE WHEN ? = '' THEN model ELSE ? END,
		tools = CASE WHEN ? = '' THEN tools ELSE ? END,
		title = CASE WHEN title = '' THEN ? ELSE title END
		WHERE id = ?`,
		head.id, head.depth, head.rounds, millis(at), r.Model, r.Model, r.Tools, r.Tools, title(r.Messages), convID)
	return err
}

// continuation finds the stored message a round's history continues from, or nil
// when the round starts a new conversation.
func continuation(ctx context.Context, tx *sql.Tx, msgs []dataset.Message, keys []string) (*node, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	// The newest conversation wins when several hold the same path.
	rows, err := tx.QueryContext(ctx, `SELECT id, conversation_id, key, depth, rounds, role FROM messages
		WHERE key IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY conversation_id DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[string]*node{}
	for rows.Next() {
		var n node
		if err := rows.Scan(&n.id, &n.conversationID, &n.key, &n.depth, &n.rounds, &n.role); err != nil {
			return nil, err
		}
		if _, seen := found[n.key]; !seen {
			found[n.key] = &n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for j := len(keys); j > 0; j-- {
		n, ok := found[keys[j-1]]
		if !ok || n.depth != j {
			continue
		}
		if j == len(keys) || msgs[j-1].Role == dataset.RoleAssistant {
			return n, nil
		}
		return nil, nil
	}
	return nil, nil
}

// childByKey finds the message with the given path key in a conversation, or nil.
func childByKey(ctx context.Context, tx *sql.Tx, convID int64, key string) (*node, error) {
	n := node{conversationID: convID, key: key}
	err := tx.QueryRowContext(ctx, `SELECT id, depth, rounds, role FROM messages
		WHERE conversation_id = ? AND key = ? LIMIT 1`, convID, key).Scan(&n.id, &n.depth, &n.rounds, &n.role)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func insertMessage(ctx context.Context, tx *sql.Tx, convID int64, parent *node, key string,
	m dataset.Message, finish string, exchangeID int64, at time.Time) (*node, error) {
	n := &node{conversationID: convID, key: key, depth: 1, role: m.Role}
	var parentID sql.NullInt64
	if parent != nil {
		parentID = sql.NullInt64{Int64: parent.id, Valid: true}
		n.depth, n.rounds = parent.depth+1, parent.rounds
	}
	if m.Role == dataset.RoleAssistant {
		n.rounds++
	}
	toolCalls := ""
	if len(m.ToolCalls) > 0 {
		b, err := json.Marshal(m.ToolCalls)
		if err != nil {
			return nil, err
		}
		toolCalls = string(b)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO messages
		(conversation_id, parent_id, key, depth, rounds, role, content, reasoning, tool_calls,
		 tool_call_id, name, finish_reason, exchange_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		convID, parentID, key, n.depth, n.rounds, string(m.Role), m.Content, m.Reasoning, toolCalls,
		m.ToolCallID, m.Name, finish, exchangeID, millis(at))
	if err != nil {
		return nil, err
	}
	if n.id, err = res.LastInsertId(); err != nil {
		return nil, err
	}
	return n, nil
}

// title is a conversation's first user message, cut to one line of at most 120 characters.
func title(msgs []dataset.Message) string {
	for _, m := range msgs {
		if m.Role != dataset.RoleUser {
			continue
		}
		t := strings.Join(strings.Fields(m.Content), " ")
		if utf8.RuneCountInString(t) > 120 {
			r := []rune(t)
			t = strings.TrimSpace(string(r[:119])) + "…"
		}
		return t
	}
	return ""
}
