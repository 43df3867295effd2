package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// PairsBatch is Pairs of each of the conversations ids, in that order, read as
// ExportBatch reads paths: the conversations, their answers and the messages of
// their trees (with the person's changes) in three queries for the batch, and the
// paths built from those in memory, instead of queries of their own for each
// answer and prompt. The pairs are those Pairs gives, in the same order. blobs is
// as for ExportBatch.
func (db *DB) PairsBatch(ctx context.Context, ids []int64, policy dataset.PairPolicy, blobs *BlobCache) ([][]dataset.PreferencePair, error) {
	out := make([][]dataset.PreferencePair, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	heads, err := db.pairHeads(ctx, ids, blobs)
	if err != nil {
		return nil, err
	}
	groups, err := db.answerGroupsOf(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	var read []int64 // the conversations with answers to read
	for _, id := range ids {
		if slicesAnyRead(groups[id]) {
			read = append(read, id)
		}
	}
	trees, err := db.pairTrees(ctx, read)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		h, ok := heads[id]
		if !ok {
			return nil, fmt.Errorf("pairs of conversation %d: %w", id, sql.ErrNoRows) // as Pairs says it
		}
		t := trees[id]
		if t == nil {
			t = &pairTree{} // no answer of it is read
		}
		t.head = h
		reads := pairReads{
			message: func(ctx context.Context, mid int64) (*Message, error) { return t.message(mid) },
			history: func(ctx context.Context, parent int64) ([]dataset.Message, error) {
				return t.history(ctx, db, blobs, parent)
			},
		}
		for _, g := range groups[id] {
			err := db.groupPairs(ctx, h.base, reads, g, policy, func(p dataset.PreferencePair) error {
				out[i] = append(out[i], p)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// slicesAnyRead reports whether groupPairs reads any message of groups: whether a
// group has siblings or an edit.
func slicesAnyRead(groups [][]answerFacts) bool {
	for _, g := range groups {
		if len(g) > 1 || g[0].edited {
			return true
		}
	}
	return false
}

// pairHead is what pairing reads of a conversation itself.
type pairHead struct {
	base        dataset.PreferencePair
	preludeHash string
	system      sql.NullString // the system prompt a reviewer wrote
}

// pairHeads reads the conversations ids as Pairs and reviewed do, by id.
func (db *DB) pairHeads(ctx context.Context, ids []int64, blobs *BlobCache) (map[int64]*pairHead, error) {
	idList, _ := json.Marshal(ids) // []int64 always encodes
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id, c.title, c.tools, c.tools_hash, c.prelude_hash, ch.system_content
		FROM conversations c LEFT JOIN conversation_choices ch ON ch.origin_exchange_id = c.origin_exchange_id
		WHERE c.id IN (SELECT value FROM json_each(?))`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	defer rows.Close()
	out := map[int64]*pairHead{}
	for rows.Next() {
		h := &pairHead{}
		var toolsHash string
		if err := rows.Scan(&h.base.ID, &h.base.Title, &h.base.Tools, &toolsHash, &h.preludeHash, &h.system); err != nil {
			return nil, fmt.Errorf("pairs: %w", err)
		}
		if toolsHash != "" {
			tools, err := blobs.get(ctx, db, toolsHash)
			if err != nil {
				return nil, fmt.Errorf("pairs of conversation %d: %w", h.base.ID, err)
			}
			h.base.Tools = string(tools)
		}
		out[h.base.ID] = h
	}
	return out, rows.Err()
}

// pairTree is a conversation's tree as pairing reads it: each message as scanned,
// not yet decoded (a path decodes its own copies), with what a review stored.
type pairTree struct {
	head  *pairHead
	rows  map[int64]pathRow
	facts map[int64]*msgFacts
}

// pairTrees reads the messages of the conversations ids with what a review stored
// of each (messageFacts without timing), in one query.
func (db *DB) pairTrees(ctx context.Context, ids []int64) (map[int64]*pairTree, error) {
	out := map[int64]*pairTree{}
	if len(ids) == 0 {
		return out, nil
	}
	idList, _ := json.Marshal(ids) // []int64 always encodes
	rows, err := db.sql.QueryContext(ctx, `SELECT m.conversation_id, `+pathColumns+`,
			e.content, COALESCE(e.train, 1), COALESCE(e.preferred, 0), COALESCE(e.thumb, 0),
			m.prompt_tokens, m.completion_tokens, m.total_tokens
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		LEFT JOIN message_edits e ON e.origin_exchange_id = c.origin_exchange_id AND e.key = m.key
		WHERE m.conversation_id IN (SELECT value FROM json_each(?))`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("pairs: read trees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var conv int64
		var r pathRow
		f := &msgFacts{}
		dest := append([]any{&conv}, r.dest(&f.edit, &f.train, &f.preferred, &f.thumb,
			&f.usage.PromptTokens, &f.usage.CompletionTokens, &f.usage.TotalTokens)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("pairs: read trees: %w", err)
		}
		if err := r.whole(ctx, db); err != nil {
			return nil, fmt.Errorf("pairs: read trees: %w", err)
		}
		f.answer = r.answer
		t := out[conv]
		if t == nil {
			t = &pairTree{rows: map[int64]pathRow{}, facts: map[int64]*msgFacts{}}
			out[conv] = t
		}
		t.rows[r.m.ID], t.facts[r.m.ID] = r, f
	}
	return out, rows.Err()
}

// path is pathOf (without siblings) read from the tree.
func (t *pairTree) path(leafID int64) ([]Message, error) {
	var up []pathRow
	for id, ok := leafID, true; ok; {
		r, found := t.rows[id]
		if !found {
			break
		}
		up = append(up, r)
		id, ok = r.parent.Int64, r.parent.Valid
	}
	msgs := make([]Message, 0, len(up))
	opening := true
	for i := len(up) - 1; i >= 0; i-- {
		r := up[i]
		if err := r.decode(&opening); err != nil {
			return nil, err
		}
		msgs = append(msgs, r.m)
	}
	return msgs, nil
}

// message is pairMessage read from the tree.
func (t *pairTree) message(id int64) (*Message, error) {
	path, err := t.path(id)
	if err == nil && len(path) == 0 {
		err = fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	msgs := applyReview(path[len(path)-1:], t.facts, nil, t.head.system)
	return &msgs[len(msgs)-1], nil
}

// history is DB.history read from the tree (and the prelude from blobs).
func (t *pairTree) history(ctx context.Context, db *DB, blobs *BlobCache, parentID int64) ([]dataset.Message, error) {
	var msgs []Message
	if t.head.preludeHash != "" {
		b, err := blobs.get(ctx, db, t.head.preludeHash)
		if err != nil {
			return nil, err
		}
		if b != nil {
			if msgs, err = decodePrelude(b, t.head.preludeHash); err != nil {
				return nil, err
			}
		}
	}
	path, err := t.path(parentID)
	if err != nil {
		return nil, err
	}
	msgs = applyReview(append(msgs, path...), t.facts, nil, t.head.system)
	out := make([]dataset.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m.Message
	}
	return out, nil
}
