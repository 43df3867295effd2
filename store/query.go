package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// Message is a stored message: the dataset message plus where it sits in the tree.
type Message struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parentId"`
	dataset.Message
	FinishReason string `json:"finishReason,omitempty"`
	// EditedByClient is set on a turn the client resent changed: a sibling of the
	// version stored before (for an answer, the model's own), so the pair is a ready
	// preference signal.
	EditedByClient bool `json:"editedByClient,omitempty"`
	// ResponseID is the provider's ID of the response that carried this answer.
	ResponseID string    `json:"responseId,omitempty"`
	ExchangeID int64     `json:"exchangeId,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	// Siblings counts the messages that share this one's parent, itself included.
	Siblings int `json:"siblings"`
	// Opener is set on an assistant message before the first user turn that no
	// response carried: a character card's greeting or a scripted opener, seen only
	// in histories the client sent. It is not a generated answer (issue 16).
	Opener bool `json:"opener,omitempty"`
	// Review holds a person's changes and the exchange's measurements (edit_read.go).
	Review
	// answer: a response carried it (is_answer), set by path.
	answer bool
}

// Detail is a conversation with the messages of its chosen path, root first. The
// path starts with the conversation's newest prelude (system prompt, example
// dialogue): those messages are not tree nodes and have negative IDs.
type Detail struct {
	Summary
	Tools    string    `json:"tools,omitempty"`
	Messages []Message `json:"messages"`
	// HeadID is the last message of the chosen path, the one export writes.
	HeadID int64 `json:"headId"`
	// Viewing is set when Messages is another path than the chosen one (see
	// ConversationVia): what is shown is not what is exported.
	Viewing bool `json:"viewing,omitempty"`
	// BranchChosen is set when a person chose the branch (SetBranch, SetCut), so the
	// chosen path is theirs and ClearBranch undoes it.
	BranchChosen bool `json:"branchChosen,omitempty"`
}

// Conversation returns the conversation with the given ID and its chosen path, or
// an error wrapping ErrNotFound.
func (db *DB) Conversation(ctx context.Context, id int64) (*Detail, error) {
	return db.conversationVia(ctx, id, 0, true)
}

// ConversationVia returns the conversation with the given ID and the path through
// message via, to the newest leaf under it, without choosing it: looking at a
// branch never changes what is exported (issue 14). A via on the chosen path, or
// 0, gives the chosen path. It returns an error wrapping ErrNotFound for an
// unknown conversation and ErrInvalid when via is not one of its messages.
func (db *DB) ConversationVia(ctx context.Context, id, via int64) (*Detail, error) {
	return db.conversationVia(ctx, id, via, true)
}

// conversation is Conversation; without full it leaves out what only the review
// window shows (tags, sibling IDs, whether a person chose the branch), as an
// export reads it.
func (db *DB) conversation(ctx context.Context, id int64, full bool) (*Detail, error) {
	return db.conversationVia(ctx, id, 0, full)
}

func (db *DB) conversationVia(ctx context.Context, id, via int64, full bool) (*Detail, error) {
	var d Detail
	var head sql.NullInt64
	var toolsHash, preludeHash string
	row := db.sql.QueryRowContext(ctx, `SELECT `+summaryColumns+`, c.tools, c.tools_hash, c.prelude_hash, c.head_id
		FROM conversations c WHERE c.id = ?`, id)
	err := row.Scan(append(summaryDest(&d.Summary), &d.Tools, &toolsHash, &preludeHash, &head)...)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !head.Valid) {
		return nil, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	if full {
		page := []Summary{d.Summary}
		if err := db.pageTags(ctx, page); err != nil {
			return nil, fmt.Errorf("load conversation %d: %w", id, err)
		}
		d.Tags = page[0].Tags
	}
	if toolsHash != "" {
		tools, err := blob(ctx, db.sql, toolsHash)
		if err != nil {
			return nil, fmt.Errorf("load conversation %d: %w", id, err)
		}
		d.Tools = string(tools)
	}
	if d.Messages, err = db.prelude(ctx, preludeHash); err != nil {
		return nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	d.HeadID = head.Int64
	leaf, err := db.viewedLeaf(ctx, id, head.Int64, via)
	if err != nil {
		return nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	d.Viewing = leaf != head.Int64
	if full {
		if d.BranchChosen, err = db.branchChosen(ctx, id); err != nil {
			return nil, fmt.Errorf("load conversation %d: %w", id, err)
		}
	}
	path, err := db.pathOf(ctx, leaf, full)
	if err != nil {
		return nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	if d.Messages, err = db.reviewed(ctx, id, append(d.Messages, path...), full); err != nil {
		return nil, fmt.Errorf("load conversation %d: %w", id, err)
	}
	return &d, nil
}

// prelude returns the prelude stored under hash as messages numbered -1, -2, ...
func (db *DB) prelude(ctx context.Context, hash string) ([]Message, error) {
	b, err := blob(ctx, db.sql, hash)
	if err != nil || b == nil {
		return nil, err
	}
	return decodePrelude(b, hash)
}

// decodePrelude decodes the prelude blob b stored under hash.
func decodePrelude(b []byte, hash string) ([]Message, error) {
	var msgs []dataset.Message
	if err := json.Unmarshal(b, &msgs); err != nil {
		return nil, fmt.Errorf("decode prelude %s: %w", hash, err)
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = Message{ID: -int64(i + 1), Message: m, Siblings: 1}
	}
	return out, nil
}

// path returns the messages from the root down to the message leafID.
func (db *DB) path(ctx context.Context, leafID int64) ([]Message, error) {
	return db.pathOf(ctx, leafID, true)
}

// pathOf is path; without siblings it leaves Siblings 0 (an export does not read
// it) and saves counting them.
func (db *DB) pathOf(ctx context.Context, leafID int64, siblings bool) ([]Message, error) {
	count := `(SELECT COUNT(*) FROM messages s WHERE s.conversation_id = m.conversation_id
		          AND s.parent_id IS m.parent_id)`
	if !siblings {
		count = "0"
	}
	rows, err := db.sql.QueryContext(ctx, `WITH RECURSIVE up(id) AS (
			SELECT ? UNION ALL SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL
		)
		SELECT `+pathColumns+`, `+count+`
		FROM up JOIN messages m ON m.id = up.id ORDER BY m.depth`, leafID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var msgs []Message
	opening := true // no user or tool turn yet
	for rows.Next() {
		var r pathRow
		if err := rows.Scan(r.dest(&r.m.Siblings)...); err != nil {
			return nil, err
		}
		if err := r.whole(ctx, db); err != nil {
			return nil, err
		}
		if err := r.decode(&opening); err != nil {
			return nil, err
		}
		msgs = append(msgs, r.m)
	}
	return msgs, rows.Err()
}

// pathColumns are the columns of a message on a path, as pathRow scans them. A text
// stored in parts is read as its first part and joined in Go (pathRow.whole).
const pathColumns = `m.id, m.parent_id, m.role, m.content, m.content_parts, m.reasoning, m.tool_calls, m.tool_call_id, m.name,
		       m.media, m.finish_reason, m.edited_by_client, m.response_id, m.exchange_id, m.created_at, m.is_answer`

// pathRow is a message of a path as scanned, before decode.
type pathRow struct {
	m                Message
	parent, exchange sql.NullInt64
	toolCalls, media string
	created          int64
	answer           bool
	parts            int // the parts of the text after m.Content (migration 0020)
}

// dest are the scan destinations of pathColumns, then more.
func (r *pathRow) dest(more ...any) []any {
	return append([]any{&r.m.ID, &r.parent, &r.m.Role, &r.m.Content, &r.parts, &r.m.Reasoning, &r.toolCalls, &r.m.ToolCallID,
		&r.m.Name, &r.media, &r.m.FinishReason, &r.m.EditedByClient, &r.m.ResponseID, &r.exchange, &r.created, &r.answer}, more...)
}

// whole completes a text stored in parts or once (an answer in its response): the
// scan read its first part only.
func (r *pathRow) whole(ctx context.Context, db *DB) error {
	var err error
	switch {
	case r.parts > 0:
		r.m.Content, err = db.wholeText(ctx, r.m.ID, r.m.Content, r.parts)
	case r.parts < 0:
		r.m.Content, err = db.onceText(ctx, r.m.ID)
	}
	return err
}

// decode fills in r.m from the scanned columns; opening is whether no user or tool
// turn came before it on the path, and is updated.
func (r *pathRow) decode(opening *bool) error {
	m := &r.m
	*opening = *opening && m.Role == dataset.RoleAssistant
	m.Opener = *opening && !r.answer
	m.answer = r.answer
	if r.parent.Valid {
		p := r.parent.Int64
		m.ParentID = &p
	}
	m.ExchangeID, m.CreatedAt = r.exchange.Int64, fromMillis(r.created)
	if r.toolCalls != "" {
		if err := json.Unmarshal([]byte(r.toolCalls), &m.ToolCalls); err != nil {
			return fmt.Errorf("message %d tool calls: %w", m.ID, err)
		}
	}
	if r.media != "" {
		if err := json.Unmarshal([]byte(r.media), &m.Media); err != nil {
			return fmt.Errorf("message %d media: %w", m.ID, err)
		}
	}
	return nil
}

// Counts is how much the database holds.
type Counts struct {
	Conversations int64 `json:"conversations"`
	Exchanges     int64 `json:"exchanges"`
	// Changed grows whenever conversations or their tags change (see DB.Changed).
	Changed int64 `json:"changed"`
}

// Counts reads how many conversations (live ones) and exchanges there are, and the
// change counter: counters kept by triggers (migration 0010), not a count of the
// tables, so a window polling it costs the same at any size.
func (db *DB) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := db.sql.QueryRowContext(ctx, `SELECT
		(SELECT value FROM counters WHERE name = 'conversations'), (SELECT value FROM counters WHERE name = 'exchanges'),
		(SELECT value FROM counters WHERE name = 'changed')`).
		Scan(&c.Conversations, &c.Exchanges, &c.Changed)
	if err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	return c, nil
}
