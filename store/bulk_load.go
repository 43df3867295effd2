package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// Seed is a whole conversation for Load: the tree threading would have built from
// its exchanges, given directly.
type Seed struct {
	Host    string
	Dialect dataset.Dialect
	Model   string
	// UserAgent is the User-Agent its exchanges carried ("" for none).
	UserAgent string
	Prelude   []dataset.Message // system prompt and example dialogue, stored once as a blob
	Tools     string            // JSON array of tool definitions, "" for none
	// Nodes are the messages in an order where a parent comes before its children.
	Nodes []SeedNode
	// Head indexes the node the chosen path ends at: an answer.
	Head int
	// Failures are exchanges that failed while the conversation went on (stored as
	// exchanges only, as capture stores them).
	Failures []time.Time
}

// SeedNode is one message of a Seed.
type SeedNode struct {
	Parent  int // index into Seed.Nodes; -1 for a root
	Message dataset.Message
	// Answer marks a message a response carried; each answer gets an exchange.
	Answer bool
	Finish string
	Usage  dataset.Usage
	At     time.Time
}

// Load writes whole conversations in one transaction, without parsing or matching:
// the fast path for synthetic data (llmtap generate), tens of times faster than
// Write. Each answer gets a stub exchange (method, host, path, status, no bodies),
// so `llmtap reindex` cannot rebuild what Load wrote. The list columns are computed
// from the seed; has_errors counts only the seed's own failures and cut answers.
// Load is not for captured traffic.
func (db *DB) Load(ctx context.Context, seeds []Seed) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("load %d conversations: %w", len(seeds), err)
	}
	defer tx.Rollback()
	l, err := newLoader(ctx, tx)
	if err != nil {
		return fmt.Errorf("load %d conversations: %w", len(seeds), err)
	}
	defer l.close()
	before := l.nextMsg
	for i := range seeds {
		if err := l.load(ctx, tx, &seeds[i]); err != nil {
			return fmt.Errorf("load conversation %d of %d: %w", i+1, len(seeds), err)
		}
	}
	if err := indexMessages(ctx, tx, before); err != nil {
		return fmt.Errorf("load %d conversations: index for search: %w", len(seeds), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("load %d conversations: %w", len(seeds), err)
	}
	return nil
}

// loader holds the statements Load runs for every row and the next free ids: it
// numbers rows itself (the transaction holds the write lock), so message keys and
// parents are known before anything is inserted.
type loader struct {
	conversation, head, exchange, message *sql.Stmt
	nextConv, nextMsg                     int64
}

func newLoader(ctx context.Context, tx *sql.Tx) (*loader, error) {
	// The indexes on message keys take inserts at random places; with SQLite's
	// default 2 MB page cache nearly every insert rereads pages.
	if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -131072`); err != nil {
		return nil, err
	}
	l := &loader{}
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM conversations),
		(SELECT COALESCE(MAX(id), 0) FROM messages)`).Scan(&l.nextConv, &l.nextMsg); err != nil {
		return nil, err
	}
	var err error
	if l.conversation, err = tx.PrepareContext(ctx, `INSERT INTO conversations (id, title, model, host, tools_hash,
		prelude_hash, prelude_count, message_count, rounds, origin_exchange_id, provider, client, tokens,
		has_tool_calls, has_reasoning, has_errors, created_at, updated_at, prompt_tokens, completion_tokens,
		cached_tokens, cache_write_tokens)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		return nil, err
	}
	// head_id is set last: its message must exist first (a deferred foreign key would
	// scan conversations for every message inserted, there being no index on head_id).
	// Until then the row is in none of the partial list indexes, so they are written once.
	if l.head, err = tx.PrepareContext(ctx, `UPDATE conversations SET head_id = ? WHERE id = ?`); err != nil {
		l.close()
		return nil, err
	}
	if l.exchange, err = tx.PrepareContext(ctx, `INSERT INTO exchanges (started_at, first_byte_at, ended_at, method, url,
		route, host, path, status, req_headers, resp_headers, req_body, resp_body, dialect, parse_error)
		VALUES (?, ?, ?, 'POST', ?, ?, ?, ?, ?, ?, '{}', x'', x'', ?, ?)`); err != nil {
		l.close()
		return nil, err
	}
	if l.message, err = tx.PrepareContext(ctx, `INSERT INTO messages (id, conversation_id, parent_id, key, content_key,
		depth, rounds, answers, role, content, reasoning, tool_calls, tool_call_id, name, finish_reason, is_answer,
		exchange_id, prompt_tokens, completion_tokens, total_tokens, created_at, cached_tokens, cache_write_tokens)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

func (l *loader) close() {
	for _, st := range []*sql.Stmt{l.conversation, l.head, l.exchange, l.message} {
		if st != nil {
			st.Close()
		}
	}
}

// stubPath is the path of every exchange Load writes.
const stubPath = "/v1/chat/completions"

func (l *loader) insertExchange(ctx context.Context, s *Seed, at time.Time, status int, parseErr string) (int64, error) {
	headers := "{}"
	if s.UserAgent != "" {
		headers = fmt.Sprintf(`{"User-Agent":[%q]}`, s.UserAgent)
	}
	res, err := l.exchange.ExecContext(ctx, millis(at), millis(at.Add(400*time.Millisecond)), millis(at.Add(2*time.Second)),
		"https://"+s.Host+stubPath, "host:"+s.Host, s.Host, stubPath, status, headers, string(s.Dialect), parseErr)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// seedPath is what the list shows of a seed's chosen path.
type seedPath struct {
	turns                     []dataset.Message
	tokens                    int64
	usage                     pathUsage
	tools, reasoning, stopped bool
	created, updated          time.Time
}

func pathOf(s *Seed) seedPath {
	p := seedPath{created: s.Nodes[0].At, updated: s.Nodes[0].At}
	for i := s.Head; i >= 0; i = s.Nodes[i].Parent {
		n := &s.Nodes[i]
		p.turns = append(p.turns, n.Message)
		p.tokens += int64(max(n.Usage.TotalTokens, n.Usage.PromptTokens+n.Usage.CompletionTokens))
		p.usage = p.usage.plus(usageOf(n.Usage))
		p.tools = p.tools || len(n.Message.ToolCalls) > 0
		p.reasoning = p.reasoning || n.Message.Reasoning != ""
		p.stopped = p.stopped || n.Finish == "length" || n.Finish == "content_filter"
	}
	slices.Reverse(p.turns)
	for _, n := range s.Nodes {
		if n.At.After(p.updated) {
			p.updated = n.At
		}
	}
	return p
}

func (l *loader) load(ctx context.Context, tx *sql.Tx, s *Seed) error {
	if s.Head < 0 || s.Head >= len(s.Nodes) {
		return fmt.Errorf("head %d: no such node of %d", s.Head, len(s.Nodes))
	}
	for i, n := range s.Nodes {
		if n.Parent >= i {
			return fmt.Errorf("node %d: parent %d must come before it", i, n.Parent)
		}
	}
	for _, at := range s.Failures {
		if _, err := l.insertExchange(ctx, s, at, 429, "upstream answered 429"); err != nil {
			return err
		}
	}
	// Exchanges first: the conversation row names its origin exchange.
	exchanges := make([]sql.NullInt64, len(s.Nodes))
	var origin sql.NullInt64
	for i, n := range s.Nodes {
		if !n.Answer {
			continue
		}
		id, err := l.insertExchange(ctx, s, n.At, 200, "")
		if err != nil {
			return err
		}
		exchanges[i] = sql.NullInt64{Int64: id, Valid: true}
		if !origin.Valid {
			origin = exchanges[i]
		}
	}
	preludeHash, err := putPrelude(ctx, tx, s.Prelude)
	if err != nil {
		return err
	}
	toolsHash, err := putBlob(ctx, tx, []byte(s.Tools))
	if err != nil {
		return err
	}
	l.nextConv++
	convID, firstMsg := l.nextConv, l.nextMsg+1
	l.nextMsg += int64(len(s.Nodes))
	nodes := make([]node, len(s.Nodes))
	for i, sn := range s.Nodes {
		n := &nodes[i]
		n.id, n.depth = firstMsg+int64(i), 1
		parentKey := ""
		if sn.Parent >= 0 {
			p := &nodes[sn.Parent]
			parentKey = p.key
			n.depth, n.rounds, n.answers = p.depth+1, p.rounds, p.answers
		}
		n.key, n.contentKey = dataset.MessageKeys(parentKey, sn.Message)
		if sn.Message.Role == dataset.RoleAssistant {
			n.rounds++
		}
		if sn.Answer {
			n.answers++
		}
	}
	p, head := pathOf(s), nodes[s.Head]
	if _, err := l.conversation.ExecContext(ctx, convID, title(p.turns), s.Model, s.Host, toolsHash, preludeHash,
		len(s.Prelude), head.depth+len(s.Prelude), head.rounds, origin, dataset.Provider(s.Host, s.Dialect),
		dataset.ClientName(s.UserAgent), p.tokens, p.tools, p.reasoning, p.stopped || len(s.Failures) > 0,
		millis(p.created), millis(p.updated), p.usage.prompt, p.usage.completion, p.usage.cached,
		p.usage.cacheWrite); err != nil {
		return err
	}
	for i, sn := range s.Nodes {
		n := &nodes[i]
		var parentID sql.NullInt64
		if sn.Parent >= 0 {
			parentID = sql.NullInt64{Int64: nodes[sn.Parent].id, Valid: true}
		}
		toolCalls, err := jsonOrEmpty(sn.Message.ToolCalls, len(sn.Message.ToolCalls))
		if err != nil {
			return err
		}
		u := sn.Usage
		if _, err := l.message.ExecContext(ctx, n.id, convID, parentID, n.key, n.contentKey,
			n.depth, n.rounds, n.answers, string(sn.Message.Role), sn.Message.Content, sn.Message.Reasoning, toolCalls,
			sn.Message.ToolCallID, sn.Message.Name, sn.Finish, sn.Answer, exchanges[i], u.PromptTokens,
			u.CompletionTokens, max(u.TotalTokens, u.PromptTokens+u.CompletionTokens), millis(sn.At), u.CachedTokens,
			u.CacheWriteTokens); err != nil {
			return err
		}
	}
	_, err = l.head.ExecContext(ctx, head.id, convID)
	return err
}
