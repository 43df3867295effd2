package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/llmtap/llmtap/dataset"
)

// Review is what a person did to a message and what its exchange measured. It is
// embedded in Message, so its fields are part of the message's JSON.
type Review struct {
	// Original is the captured text when the person edited Content; nil otherwise.
	Original *string `json:"original,omitempty"`
	// Train is false for an assistant turn marked "don't train": exports leave it
	// out with its round. True for every other message.
	Train bool `json:"train"`
	// Preferred marks the sibling the person chose as the better answer.
	Preferred bool `json:"preferred,omitempty"`
	// SiblingIDs are the ids of this message and its siblings, oldest first; just
	// its own id when it has none.
	SiblingIDs []int64 `json:"siblingIds"`
	// Usage, DurationMs and FirstByteMs are those of the exchange whose response
	// carried this answer; nil on other messages. Usage is reported once per
	// response, so with n > 1 choices only the first has it.
	Usage       *dataset.Usage `json:"usage,omitempty"`
	DurationMs  *int64         `json:"durationMs,omitempty"`
	FirstByteMs *int64         `json:"firstByteMs,omitempty"`
}

// Message returns the tree message with the given ID with the person's changes
// applied, or an error wrapping ErrNotFound.
func (db *DB) Message(ctx context.Context, id int64) (*Message, error) {
	var convID int64
	err := db.sql.QueryRowContext(ctx, `SELECT conversation_id FROM messages WHERE id = ?`, id).Scan(&convID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	path, err := db.path(ctx, id)
	if err == nil && len(path) == 0 {
		err = fmt.Errorf("message %d: %w", id, ErrNotFound) // deleted meanwhile by a reindex
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	msgs, err := db.review(ctx, convID, path[len(path)-1:])
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	// A system prompt edit puts its message in front (editSystem): ours is last.
	return &msgs[len(msgs)-1], nil
}

// review applies a conversation's stored changes to msgs (its prelude, with
// negative ids, and tree messages) and fills in each message's Review. It returns
// the messages, which differ in number from msgs only when the system prompt edit
// adds or merges system messages.
func (db *DB) review(ctx context.Context, convID int64, msgs []Message) ([]Message, error) {
	return db.reviewed(ctx, convID, msgs, true)
}

// reviewed is review; without siblings it leaves SiblingIDs unset, which an export
// does not read, and saves their query.
func (db *DB) reviewed(ctx context.Context, convID int64, msgs []Message, siblings bool) ([]Message, error) {
	var origin sql.NullInt64
	var system sql.NullString
	err := db.sql.QueryRowContext(ctx, `SELECT c.origin_exchange_id, ch.system_content FROM conversations c
		LEFT JOIN conversation_choices ch ON ch.origin_exchange_id = c.origin_exchange_id WHERE c.id = ?`, convID).
		Scan(&origin, &system)
	if err != nil {
		return nil, fmt.Errorf("read choices: %w", err)
	}
	ids := []int64{0} // 0 stands for "no parent": the roots' siblings
	for _, m := range msgs {
		if m.ID > 0 {
			ids = append(ids, m.ID)
			if m.ParentID != nil {
				ids = append(ids, *m.ParentID)
			}
		}
	}
	idList, _ := json.Marshal(ids) // []int64 always encodes
	facts, err := db.messageFacts(ctx, string(idList), origin, siblings)
	if err != nil {
		return nil, err
	}
	var sibs map[int64][]int64
	if siblings {
		if sibs, err = db.siblingIDs(ctx, convID, string(idList)); err != nil {
			return nil, err
		}
	}
	return applyReview(msgs, facts, sibs, system), nil
}

// applyReview applies what a review stored (facts by message, the system prompt
// edit) and the sibling IDs to msgs, as review does.
func applyReview(msgs []Message, facts map[int64]*msgFacts, sibs map[int64][]int64, system sql.NullString) []Message {
	for i := range msgs {
		m := &msgs[i]
		m.Train = true
		if m.ID < 0 {
			m.SiblingIDs = []int64{m.ID}
			continue
		}
		var parent int64
		if m.ParentID != nil {
			parent = *m.ParentID
		}
		m.SiblingIDs = sibs[parent]
		if f, ok := facts[m.ID]; ok {
			f.apply(m)
		}
	}
	if system.Valid {
		msgs = editSystem(msgs, system.String)
	}
	return msgs
}

// msgFacts is what messageFacts knows about one message.
type msgFacts struct {
	edit           sql.NullString
	train          bool
	preferred      bool
	thumb          int
	answer         bool
	usage          dataset.Usage
	started, ended sql.NullInt64
	firstByte      sql.NullInt64
}

func (f *msgFacts) apply(m *Message) {
	if f.edit.Valid {
		original := m.Content
		m.Original, m.Content = &original, f.edit.String
	}
	m.Train, m.Preferred, m.Thumb = f.train, f.preferred, f.thumb
	if !f.answer {
		return
	}
	if f.usage != (dataset.Usage{}) {
		u := f.usage
		m.Usage = &u
	}
	if f.started.Valid && f.ended.Valid && f.started.Int64 > 0 {
		d := f.ended.Int64 - f.started.Int64
		m.DurationMs = &d
		if f.firstByte.Valid {
			fb := f.firstByte.Int64 - f.started.Int64
			m.FirstByteMs = &fb
		}
	}
}

// messageFacts reads the edits, usage and timing of the messages in idList (a JSON
// array of ids), by id.
// With timing false it leaves out the exchanges' times, which an export does not
// read.
func (db *DB) messageFacts(ctx context.Context, idList string, origin sql.NullInt64, timing bool) (map[int64]*msgFacts, error) {
	times, join := "x.started_at, x.first_byte_at, x.ended_at", "LEFT JOIN exchanges x ON x.id = m.exchange_id AND m.is_answer"
	if !timing {
		times, join = "NULL, NULL, NULL", ""
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT m.id, e.content, COALESCE(e.train, 1), COALESCE(e.preferred, 0), COALESCE(e.thumb, 0),
			m.is_answer, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.cached_tokens, m.cache_write_tokens, `+times+`
		FROM messages m
		LEFT JOIN message_edits e ON e.origin_exchange_id = ? AND e.key = m.key
		`+join+`
		WHERE m.id IN (SELECT value FROM json_each(?))`, origin, idList)
	if err != nil {
		return nil, fmt.Errorf("read edits: %w", err)
	}
	defer rows.Close()
	out := map[int64]*msgFacts{}
	for rows.Next() {
		var id int64
		f := &msgFacts{}
		if err := rows.Scan(&id, &f.edit, &f.train, &f.preferred, &f.thumb, &f.answer, &f.usage.PromptTokens,
			&f.usage.CompletionTokens, &f.usage.TotalTokens, &f.usage.CachedTokens, &f.usage.CacheWriteTokens, &f.started, &f.firstByte, &f.ended); err != nil {
			return nil, fmt.Errorf("read edits: %w", err)
		}
		out[id] = f
	}
	return out, rows.Err()
}

// siblingIDs returns the children of each parent in idList (a JSON array of ids; 0
// for the roots), oldest first.
func (db *DB) siblingIDs(ctx context.Context, convID int64, idList string) (map[int64][]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0) FROM messages
		WHERE conversation_id = ? AND COALESCE(parent_id, 0) IN (SELECT value FROM json_each(?)) ORDER BY id`,
		convID, idList)
	if err != nil {
		return nil, fmt.Errorf("read siblings: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var id, parent int64
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, fmt.Errorf("read siblings: %w", err)
		}
		out[parent] = append(out[parent], id)
	}
	return out, rows.Err()
}

// editSystem replaces the system messages of the prelude (the leading messages with
// negative ids) with one holding content, its Original the captured prompts joined
// as the ShareGPT writer joins them. With no captured prompt, a non-empty content
// is added in front. Prelude ids are renumbered -1, -2, … in order.
func editSystem(msgs []Message, content string) []Message {
	n := 0
	for n < len(msgs) && msgs[n].ID < 0 {
		n++
	}
	var captured []string
	var prelude []Message
	first := -1
	for _, m := range msgs[:n] {
		if m.Role != dataset.RoleSystem {
			prelude = append(prelude, m)
			continue
		}
		if s := strings.TrimSpace(m.Content); s != "" {
			captured = append(captured, s)
		}
		if first < 0 {
			first = len(prelude)
			prelude = append(prelude, m)
		}
	}
	if first < 0 && content == "" {
		return msgs
	}
	original := strings.Join(captured, "\n\n")
	sys := Message{Message: dataset.Message{Role: dataset.RoleSystem, Content: content}}
	sys.Original, sys.Train, sys.Siblings = &original, true, 1
	if first < 0 {
		prelude = append([]Message{sys}, prelude...)
	} else {
		prelude[first] = sys
	}
	for i := range prelude {
		prelude[i].ID = -int64(i + 1)
		prelude[i].SiblingIDs = []int64{prelude[i].ID}
	}
	return append(prelude, msgs[n:]...)
}
