package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// ExportRecords returns the records an export writes of conversation id: its
// chosen path first (ExportConversation), then each other path of its tree that is
// a conversation of its own (otherPaths); a group chat's path gives one record per
// speaker, each under the speaker's own prelude (speakerPreludes). A conversation
// without branches or speakers is one record and costs nothing more.
func (db *DB) ExportRecords(ctx context.Context, id int64) ([]dataset.Conversation, error) {
	return db.exportRecords(ctx, id, trainingMessages)
}

// ExportRecordsMasked is ExportRecords for a format that can mark a turn not to
// train on (ExportConversationMasked).
func (db *DB) ExportRecordsMasked(ctx context.Context, id int64) ([]dataset.Conversation, error) {
	return db.exportRecords(ctx, id, maskedMessages)
}

func (db *DB) exportRecords(ctx context.Context, id int64, shape func([]Message) []dataset.Message) ([]dataset.Conversation, error) {
	d, err := db.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	branched := false
	for _, m := range d.Messages {
		branched = branched || (m.ID > 0 && m.Siblings > 1)
	}
	return db.detailRecords(ctx, d, shape, branched)
}

// ExportRecordsBatch is ExportRecords (ExportRecordsMasked when masked) of the
// conversations ids, in that order, read as ExportBatch reads them: the chosen
// paths of the whole batch in a handful of queries, and the other paths only of
// the conversations whose tree branches (one query for the batch finds them).
// blobs is as for ExportBatch.
func (db *DB) ExportRecordsBatch(ctx context.Context, ids []int64, masked bool, blobs *BlobCache) ([][]dataset.Conversation, error) {
	details, err := db.exportDetails(ctx, ids, blobs)
	if err != nil {
		return nil, err
	}
	branched, err := db.branchedConversations(ctx, ids)
	if err != nil {
		return nil, err
	}
	shape := trainingMessages
	if masked {
		shape = maskedMessages
	}
	out := make([][]dataset.Conversation, len(details))
	for i, d := range details {
		if out[i], err = db.detailRecords(ctx, d, shape, branched[d.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// branchedConversations returns which of the conversations ids have a message
// with a sibling anywhere in their tree: a superset of those whose chosen path
// has one (ExportRecords' test), the only ones with other paths.
func (db *DB) branchedConversations(ctx context.Context, ids []int64) (map[int64]bool, error) {
	idList, _ := json.Marshal(ids) // []int64 always encodes
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT conversation_id FROM messages INDEXED BY messages_siblings
		WHERE conversation_id IN (SELECT value FROM json_each(?))
		GROUP BY conversation_id, parent_id HAVING COUNT(*) > 1`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("find branched conversations: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find branched conversations: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find branched conversations: %w", err)
	}
	return out, nil
}

// detailRecords returns the records of conversation d (its chosen path read): the
// chosen path's, then, when its tree branches, those of its other paths.
func (db *DB) detailRecords(ctx context.Context, d *Detail, shape func([]Message) []dataset.Message, branched bool) ([]dataset.Conversation, error) {
	id := d.ID
	c := d.dataset()
	out, err := db.pathRecords(ctx, c, d.Messages, shape)
	if err != nil {
		return nil, err
	}
	if !branched || len(d.Messages) == 0 {
		return out, nil
	}
	head := d.Messages[len(d.Messages)-1].ID
	leaves, err := db.otherPaths(ctx, id, d.Messages, head)
	if err != nil {
		return nil, fmt.Errorf("paths of conversation %d: %w", id, err)
	}
	if len(leaves) == 0 {
		return out, nil
	}
	var preludeHash string
	if err := db.sql.QueryRowContext(ctx, `SELECT prelude_hash FROM conversations WHERE id = ?`, id).Scan(&preludeHash); err != nil {
		return nil, fmt.Errorf("paths of conversation %d: %w", id, err)
	}
	for _, leaf := range leaves {
		msgs, err := db.prelude(ctx, preludeHash)
		if err != nil {
			return nil, fmt.Errorf("paths of conversation %d: %w", id, err)
		}
		path, err := db.path(ctx, leaf)
		if err != nil {
			return nil, fmt.Errorf("paths of conversation %d: %w", id, err)
		}
		if msgs, err = db.review(ctx, id, append(msgs, path...)); err != nil {
			return nil, fmt.Errorf("paths of conversation %d: %w", id, err)
		}
		r := c
		r.Leaf = leaf
		recs, err := db.pathRecords(ctx, r, msgs, shape)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// pathRecords returns the records of one path, msgs, of the conversation c: one,
// or one per speaker of a group chat (dataset.SplitSpeakers).
func (db *DB) pathRecords(ctx context.Context, c dataset.Conversation, msgs []Message,
	shape func([]Message) []dataset.Message) ([]dataset.Conversation, error) {
	preludes, err := db.speakerPreludes(ctx, msgs)
	if err != nil {
		return nil, fmt.Errorf("speakers of conversation %d: %w", c.ID, err)
	}
	c.Messages = shape(msgs)
	if preludes == nil {
		return []dataset.Conversation{c}, nil
	}
	return dataset.SplitSpeakers(c, preludes), nil
}

// treeNode is the shape of one message in a conversation's tree.
type treeNode struct {
	id, parent, exchange int64
	role                 dataset.Role
	kids                 []int64
}

// otherPaths returns the last message of each path of a conversation's tree,
// other than the chosen one (which ends at head), that is a conversation of its
// own (issue 12):
//   - where paths part at a user turn or tool result, each goes on as its own
//     conversation: two chats that opened the same way, or a person who edited
//     their message and went on from both versions;
//   - where they part at answers, the answers are alternatives of one turn
//     (regenerations, n > 1 choices, edits) and make one path, which ends at the
//     one on the chosen path or else the one the client showed last; the others
//     are preference pairs (edit_pairs.go). Only an answer the client went on from
//     (a later turn hangs under it) starts a path of its own, and two of them are
//     two conversations;
//   - alternatives of the opening (a card's alternate greetings) are one path,
//     like answers, even when the person went on from more than one: swiping the
//     greeting starts the chat again.
//
// Paths below head (a person cut the conversation there) and paths that do not
// end with an answer (an unanswered turn) are left out.
func (db *DB) otherPaths(ctx context.Context, convID int64, chosen []Message, head int64) ([]int64, error) {
	nodes, roots, err := db.tree(ctx, convID)
	if err != nil {
		return nil, err
	}
	onChosen := map[int64]bool{}
	for _, m := range chosen {
		onChosen[m.ID] = true
	}
	var leaves []int64
	// opening: no user turn or tool result above kids yet.
	var walk func(kids []int64, opening bool)
	walk = func(kids []int64, opening bool) {
		var starts, openers []int64
		for _, k := range kids {
			switch n := nodes[k]; {
			case n.role != dataset.RoleAssistant:
				starts = append(starts, k)
			case len(n.kids) > 0 && opening:
				openers = append(openers, k)
			case len(n.kids) > 0:
				starts = append(starts, k)
			}
		}
		if len(openers) > 0 {
			// Another greeting (a swipe of the card's alternate greetings) is the
			// same chat started again, like any swipe (issue 16): one path goes on.
			starts = append(starts, shownLast(nodes, openers, onChosen))
		}
		if len(starts) == 0 {
			leaves = append(leaves, shownLast(nodes, kids, onChosen))
			return
		}
		for _, s := range starts {
			if len(nodes[s].kids) == 0 {
				leaves = append(leaves, s)
			} else if s != head {
				walk(nodes[s].kids, opening && nodes[s].role == dataset.RoleAssistant)
			}
		}
	}
	walk(roots, true)
	var out []int64
	for _, l := range leaves {
		if l != head && nodes[l].role == dataset.RoleAssistant && !under(nodes, l, head) {
			out = append(out, l)
		}
	}
	return out, nil
}

// tree reads the shape of a conversation's messages, and its roots.
func (db *DB) tree(ctx context.Context, convID int64) (map[int64]*treeNode, []int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, parent_id, COALESCE(exchange_id, 0), role
		FROM messages INDEXED BY messages_conversation WHERE conversation_id = ? ORDER BY id`, convID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	nodes := map[int64]*treeNode{}
	var roots []int64
	for rows.Next() {
		n := &treeNode{}
		var parent sql.NullInt64
		if err := rows.Scan(&n.id, &parent, &n.exchange, &n.role); err != nil {
			return nil, nil, err
		}
		nodes[n.id] = n
		if !parent.Valid {
			roots = append(roots, n.id)
			continue
		}
		n.parent = parent.Int64
		if p := nodes[n.parent]; p != nil { // a parent is older than its children
			p.kids = append(p.kids, n.id)
		}
	}
	return nodes, roots, rows.Err()
}

// shownLast is the answer among kids a path ends at: the one on the chosen path,
// else the one of the newest response (its first choice).
func shownLast(nodes map[int64]*treeNode, kids []int64, onChosen map[int64]bool) int64 {
	best := kids[0]
	for _, k := range kids {
		if onChosen[k] {
			return k
		}
		if b, n := nodes[best], nodes[k]; n.exchange > b.exchange {
			best = k
		}
	}
	return best
}

// under reports whether message id lies below ancestor.
func under(nodes map[int64]*treeNode, id, ancestor int64) bool {
	for n := nodes[id]; n != nil && n.parent != 0; n = nodes[n.parent] {
		if n.parent == ancestor {
			return true
		}
	}
	return false
}
