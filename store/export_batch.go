package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/llmtap/llmtap/dataset"
)

// ExportBatch reads the conversations ids, in that order, as ExportConversation
// reads each one (ExportConversationMasked when masked), in a handful of queries
// for the whole batch instead of six for each conversation: an export of 100,000
// conversations was bound by the per-query cost of SQLite (issue 12). blobs keeps
// the tools and preludes read so far (shared by many conversations of one client);
// nil reads each again. A conversation that is gone is an error wrapping
// ErrNotFound, as for ExportConversation.
func (db *DB) ExportBatch(ctx context.Context, ids []int64, masked bool, blobs *BlobCache) ([]dataset.Conversation, error) {
	details, err := db.exportDetails(ctx, ids, blobs)
	if err != nil {
		return nil, err
	}
	out := make([]dataset.Conversation, len(details))
	for i, d := range details {
		out[i] = d.dataset()
		if masked {
			out[i].Messages = maskedMessages(d.Messages)
		}
	}
	return out, nil
}

// exportDetails reads the conversations ids, in that order, for ExportBatch: each
// with its chosen path as an export reads it (no tags, sibling IDs or counts).
func (db *DB) exportDetails(ctx context.Context, ids []int64, blobs *BlobCache) ([]*Detail, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	idList, _ := json.Marshal(ids) // []int64 always encodes
	type head struct {
		d                      Detail
		toolsHash, preludeHash string
		headID                 sql.NullInt64
		system                 sql.NullString
		path                   []Message
		facts                  map[int64]*msgFacts
	}
	byID := make(map[int64]*head, len(ids))
	rows, err := db.sql.QueryContext(ctx, `SELECT `+summaryColumns+`, c.tools, c.tools_hash, c.prelude_hash, c.head_id,
			ch.system_content
		FROM conversations c LEFT JOIN conversation_choices ch ON ch.origin_exchange_id = c.origin_exchange_id
		WHERE c.id IN (SELECT value FROM json_each(?))`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("load conversations for export: %w", err)
	}
	for rows.Next() {
		h := &head{}
		if err := rows.Scan(append(summaryDest(&h.d.Summary), &h.d.Tools, &h.toolsHash, &h.preludeHash, &h.headID, &h.system)...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load conversations for export: %w", err)
		}
		h.facts = map[int64]*msgFacts{}
		byID[h.d.ID] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load conversations for export: %w", err)
	}

	// Every path at once, each message with its review facts.
	rows, err = db.sql.QueryContext(ctx, `WITH RECURSIVE up(cid, id) AS (
			SELECT c.id, c.head_id FROM conversations c
			WHERE c.id IN (SELECT value FROM json_each(?)) AND c.head_id IS NOT NULL
			UNION ALL SELECT up.cid, m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL
		)
		SELECT up.cid, `+pathColumns+`, e.content, COALESCE(e.train, 1), COALESCE(e.preferred, 0), COALESCE(e.thumb, 0),
		       m.prompt_tokens, m.completion_tokens, m.total_tokens
		FROM up JOIN messages m ON m.id = up.id JOIN conversations c ON c.id = up.cid
		LEFT JOIN message_edits e ON e.origin_exchange_id = c.origin_exchange_id AND e.key = m.key
		ORDER BY up.cid, m.depth`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("load paths for export: %w", err)
	}
	var cid, last int64
	opening := true
	for rows.Next() {
		var r pathRow
		f := &msgFacts{}
		if err := rows.Scan(append([]any{&cid}, r.dest(&f.edit, &f.train, &f.preferred, &f.thumb,
			&f.usage.PromptTokens, &f.usage.CompletionTokens, &f.usage.TotalTokens)...)...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load paths for export: %w", err)
		}
		if err := r.whole(ctx, db); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load paths for export: %w", err)
		}
		if cid != last {
			last, opening = cid, true
		}
		if err := r.decode(&opening); err != nil {
			rows.Close()
			return nil, err
		}
		f.answer = r.answer
		if h := byID[cid]; h != nil {
			h.path = append(h.path, r.m)
			h.facts[r.m.ID] = f
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load paths for export: %w", err)
	}

	out := make([]*Detail, len(ids))
	for i, id := range ids {
		h := byID[id]
		if h == nil || !h.headID.Valid {
			return nil, fmt.Errorf("conversation %d: %w", id, ErrNotFound)
		}
		d := &h.d
		if h.toolsHash != "" {
			tools, err := blobs.get(ctx, db, h.toolsHash)
			if err != nil {
				return nil, fmt.Errorf("load conversation %d: %w", id, err)
			}
			d.Tools = string(tools)
		}
		var msgs []Message
		if h.preludeHash != "" {
			b, err := blobs.get(ctx, db, h.preludeHash)
			if err != nil {
				return nil, fmt.Errorf("load conversation %d: %w", id, err)
			}
			if msgs, err = decodePrelude(b, h.preludeHash); err != nil {
				return nil, fmt.Errorf("load conversation %d: %w", id, err)
			}
		}
		d.Messages = applyReview(append(msgs, h.path...), h.facts, nil, h.system)
		out[i] = d
	}
	return out, nil
}

// BlobCache keeps the blobs an export read, up to a bound, for the conversations
// that share them. It is safe for concurrent use; a nil *BlobCache keeps nothing.
type BlobCache struct {
	mu    sync.Mutex
	m     map[string][]byte
	bytes int
}

// blobCacheBytes bounds a BlobCache: past it, blobs are read again.
const blobCacheBytes = 32 << 20

// NewBlobCache returns an empty cache.
func NewBlobCache() *BlobCache {
	return &BlobCache{m: map[string][]byte{}}
}

func (c *BlobCache) get(ctx context.Context, db *DB, hash string) ([]byte, error) {
	if c == nil {
		return blob(ctx, db.sql, hash)
	}
	c.mu.Lock()
	b, ok := c.m[hash]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := blob(ctx, db.sql, hash)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.bytes+len(b) <= blobCacheBytes {
		c.m[hash] = b
		c.bytes += len(b)
	}
	c.mu.Unlock()
	return b, nil
}
