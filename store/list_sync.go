package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// convState is what threading reads of a conversation it continues.
type convState struct {
	head                   int64 // head_id; 0 for none
	preludeHash, toolsHash string
	facts                  pathFacts
}

func loadConvState(ctx context.Context, tx *sql.Tx, convID int64) (convState, error) {
	var c convState
	var head sql.NullInt64
	u := &c.facts.usage
	err := tx.QueryRowContext(ctx, `SELECT head_id, prelude_hash, tools_hash, tokens, has_tool_calls, has_reasoning,
		has_errors, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens FROM conversations WHERE id = ?`,
		convID).Scan(&head, &c.preludeHash, &c.toolsHash, &c.facts.tokens, &c.facts.tools, &c.facts.reasoning,
		&c.facts.stopped, &u.prompt, &u.completion, &u.cached, &u.cacheWrite)
	c.head = head.Int64
	return c, err
}

// pathFacts are the list columns of migration 0004 that a conversation's chosen
// path decides: tokens (and their kinds, migration 0018), has_tool_calls,
// has_reasoning, and the part of has_errors that is an answer stopped early (for a
// conversation row: has_errors as stored, which only grows while its path does).
type pathFacts struct {
	tokens                    int64
	usage                     pathUsage
	tools, reasoning, stopped bool
}

// pathUsage sums the usage of a path's answers by kind (cached and cacheWrite are
// parts of prompt).
type pathUsage struct{ prompt, completion, cached, cacheWrite int64 }

func usageOf(u dataset.Usage) pathUsage {
	return pathUsage{int64(u.PromptTokens), int64(u.CompletionTokens), int64(u.CachedTokens), int64(u.CacheWriteTokens)}
}

func (u pathUsage) plus(v pathUsage) pathUsage {
	return pathUsage{u.prompt + v.prompt, u.completion + v.completion, u.cached + v.cached, u.cacheWrite + v.cacheWrite}
}

// add counts message m, with its finish reason and usage, into f.
func (f *pathFacts) add(m dataset.Message, finish string, u dataset.Usage) {
	f.tokens += int64(usageTotal(u))
	f.usage = f.usage.plus(usageOf(u))
	f.tools = f.tools || len(m.ToolCalls) > 0
	f.reasoning = f.reasoning || m.Reasoning != ""
	f.stopped = f.stopped || stoppedEarlyReasons[strings.ToLower(finish)]
}

func (f pathFacts) plus(g pathFacts) pathFacts {
	return pathFacts{f.tokens + g.tokens, f.usage.plus(g.usage), f.tools || g.tools, f.reasoning || g.reasoning,
		f.stopped || g.stopped}
}

// factsOf reads the facts of the path that ends at message headID.
func factsOf(ctx context.Context, tx *sql.Tx, headID int64) (pathFacts, error) {
	var f pathFacts
	err := tx.QueryRowContext(ctx, `WITH RECURSIVE up(id) AS (
			SELECT ?1 UNION ALL SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL)
		SELECT COALESCE(SUM(m.total_tokens), 0), COALESCE(MAX(m.tool_calls != ''), 0),
			COALESCE(MAX(m.reasoning != ''), 0), COALESCE(MAX(lower(m.finish_reason) IN `+stoppedEarly+`), 0),
			`+pathUsageSums+`
		FROM up JOIN messages m ON m.id = up.id`, headID).Scan(&f.tokens, &f.tools, &f.reasoning, &f.stopped,
		&f.usage.prompt, &f.usage.completion, &f.usage.cached, &f.usage.cacheWrite)
	return f, err
}

// pathUsageSums are the sums of the usage columns of messages m, in pathUsage order.
const pathUsageSums = `COALESCE(SUM(m.prompt_tokens), 0), COALESCE(SUM(m.completion_tokens), 0),
	COALESCE(SUM(m.cached_tokens), 0), COALESCE(SUM(m.cache_write_tokens), 0)`

// usageTotal is the total a response reported, or the sum of its parts when it
// gave none.
func usageTotal(u dataset.Usage) int {
	if u.TotalTokens != 0 {
		return u.TotalTokens
	}
	return u.PromptTokens + u.CompletionTokens
}

// updateConversation points a conversation at the end of its path after a round
// of exchange exchangeID: it keeps the newest prelude, tool list, model and
// provider the client sent, sets the client the first exchange named, and the list
// facts of the path (has_errors adds failed chat exchanges while it was held, the
// rule of migration 0004). One statement, so the row and its indexes are written
// once a round: it also sets the revision and cost the triggers of migration 0019
// would, so they leave the row alone.
func updateConversation(ctx context.Context, tx *sql.Tx, convID, exchangeID int64, end *node, p *prepared,
	provider string, f pathFacts, at time.Time) error {
	// SET expressions read the row as it was, so prelude_count and updated_at below are the old ones.
	_, err := tx.ExecContext(ctx, `UPDATE conversations SET
		head_id = ?1, rounds = ?2, updated_at = MAX(updated_at, ?3),
		message_count = ?4 + CASE WHEN ?5 = '' THEN prelude_count ELSE ?6 END,
		prelude_count = CASE WHEN ?5 = '' THEN prelude_count ELSE ?6 END,
		model = CASE WHEN ?7 = '' THEN model ELSE ?7 END,
		tools_hash = CASE WHEN ?8 = '' THEN tools_hash ELSE ?8 END,
		prelude_hash = CASE WHEN ?5 = '' THEN prelude_hash ELSE ?5 END,
		session_id = CASE WHEN session_id = '' THEN ?9 ELSE session_id END,
		title = CASE WHEN title = '' THEN ?10 ELSE title END,
		provider = ?11,
		client = CASE WHEN client = '' AND origin_exchange_id = ?12 THEN ?13 ELSE client END,
		tokens = ?14, has_tool_calls = ?15, has_reasoning = ?16,
		prompt_tokens = ?19, completion_tokens = ?20, cached_tokens = ?21, cache_write_tokens = ?22,
		has_errors = ?17 OR EXISTS (SELECT 1 FROM exchanges e
			WHERE e.host = conversations.host AND e.started_at BETWEEN conversations.created_at AND MAX(conversations.updated_at, ?3)
			AND `+failedChat+`),
		cost = `+costAt("CASE WHEN ?7 = '' THEN model ELSE ?7 END", "?19", "?20", "?21", "?22")+`,
		revision = `+nextRevision+`
		WHERE id = ?18`,
		end.id, end.rounds, millis(at), end.depth, p.preludeHash, len(p.prelude), p.r.Model, p.toolsHash,
		p.r.SessionID, p.title, provider, exchangeID, p.client, f.tokens, f.tools, f.reasoning, f.stopped, convID,
		f.usage.prompt, f.usage.completion, f.usage.cached, f.usage.cacheWrite)
	return err
}

// nextRevision is the revision conversations_revision_insert and _update (migration
// 0019) give the row they fire for: a statement that sets it spares them a rewrite.
const nextRevision = `(SELECT value FROM counters WHERE name = 'revisions') + 1`

// costAt is the cost conversations_cost_insert and _update (migration 0019) compute,
// for the given model and usage expressions, in the same arithmetic, so a statement
// that sets it spares them a rewrite.
func costAt(model, prompt, completion, cached, cacheWrite string) string {
	return `(SELECT ((` + prompt + ` - ` + cached + ` - ` + cacheWrite + `) * r.input + ` + cached + ` * r.cached + ` +
		cacheWrite + ` * r.cache_write + ` + completion + ` * r.output) / 1e6 FROM model_rates r WHERE r.model = ` + model + `)`
}

// syncPath recomputes the facts of a conversation's chosen path that the list shows
// and filters on: tokens, has_tool_calls, has_reasoning and has_errors (the rule is
// in migration 0004). Anything that moves head_id calls it in the same transaction.
func syncPath(ctx context.Context, tx *sql.Tx, convID int64) error {
	_, err := tx.ExecContext(ctx, `WITH RECURSIVE up(id) AS (
			SELECT head_id FROM conversations WHERE id = ?1
			UNION ALL SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL),
		path AS (SELECT COALESCE(SUM(m.total_tokens), 0) AS tokens,
			COALESCE(MAX(m.tool_calls != ''), 0) AS tools,
			COALESCE(MAX(m.reasoning != ''), 0) AS reasoning,
			COALESCE(MAX(lower(m.finish_reason) IN `+stoppedEarly+`), 0) AS stopped,
			COALESCE(SUM(m.prompt_tokens), 0) AS prompt, COALESCE(SUM(m.completion_tokens), 0) AS completion,
			COALESCE(SUM(m.cached_tokens), 0) AS cached, COALESCE(SUM(m.cache_write_tokens), 0) AS cache_write
			FROM up JOIN messages m ON m.id = up.id)
		UPDATE conversations SET tokens = path.tokens, has_tool_calls = path.tools, has_reasoning = path.reasoning,
			prompt_tokens = path.prompt, completion_tokens = path.completion, cached_tokens = path.cached,
			cache_write_tokens = path.cache_write,
			has_errors = path.stopped OR EXISTS (SELECT 1 FROM exchanges e
				WHERE e.host = conversations.host AND e.started_at BETWEEN conversations.created_at AND conversations.updated_at
				AND `+failedChat+`)
		FROM path WHERE conversations.id = ?1`, convID)
	return err
}

// stoppedEarly lists the finish reasons (lower-cased) of an answer that was cut
// short: OpenAI's, Anthropic's and Gemini's words for the token limit and filters.
const stoppedEarly = `('length', 'max_tokens', 'content_filter', 'safety', 'recitation', 'refusal', 'blocklist', 'prohibited_content')`

// stoppedEarlyReasons is stoppedEarly for Go.
var stoppedEarlyReasons = map[string]bool{"length": true, "max_tokens": true, "content_filter": true, "safety": true,
	"recitation": true, "refusal": true, "blocklist": true, "prohibited_content": true}

// failedChat is true for a chat exchange (of exchanges aliased e) that went wrong. It
// repeats the WHERE of the partial index exchanges_failed, so that index serves it.
const failedChat = `e.dialect != '' AND (e.error != '' OR e.aborted OR e.status NOT BETWEEN 200 AND 299 OR e.parse_error != '')`
