package store

import (
	"context"
	"database/sql"

	"github.com/llmtap/llmtap/dataset"
)

// syncReview keeps the list columns of migration 0004 current after threading put
// round r (from exchange exchangeID) into a conversation: the usage on the answer,
// provider and client, then the path facts (syncPath).
func syncReview(ctx context.Context, tx *sql.Tx, convID, exchangeID int64, host string, r *dataset.Round) error {
	if u := r.Usage; u.PromptTokens+u.CompletionTokens+u.TotalTokens > 0 {
		total := u.TotalTokens
		if total == 0 {
			total = u.PromptTokens + u.CompletionTokens
		}
		// Usage belongs to the first answer this exchange stored. A retried identical
		// answer is stored once and keeps the usage of its first response.
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET prompt_tokens = ?, completion_tokens = ?, total_tokens = ?
			WHERE id = (SELECT MIN(id) FROM messages WHERE conversation_id = ? AND exchange_id = ? AND is_answer)
			AND total_tokens = 0`, u.PromptTokens, u.CompletionTokens, total, convID, exchangeID); err != nil {
			return err
		}
	}
	var origin sql.NullInt64
	var client string
	if err := tx.QueryRowContext(ctx, `SELECT origin_exchange_id, client FROM conversations WHERE id = ?`, convID).
		Scan(&origin, &client); err != nil {
		return err
	}
	if client == "" && origin.Int64 == exchangeID {
		var ua sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT json_extract(req_headers, '$."User-Agent"[0]') FROM exchanges WHERE id = ?`,
			exchangeID).Scan(&ua); err != nil && err != sql.ErrNoRows {
			return err
		}
		client = dataset.ClientName(ua.String)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE conversations SET provider = ?, client = ? WHERE id = ?`,
		dataset.Provider(host, r.Dialect), client, convID); err != nil {
		return err
	}
	return syncPath(ctx, tx, convID)
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
			COALESCE(MAX(lower(m.finish_reason) IN `+stoppedEarly+`), 0) AS stopped
			FROM up JOIN messages m ON m.id = up.id)
		UPDATE conversations SET tokens = path.tokens, has_tool_calls = path.tools, has_reasoning = path.reasoning,
			has_errors = path.stopped OR EXISTS (SELECT 1 FROM exchanges e
				WHERE e.host = conversations.host AND e.started_at BETWEEN conversations.created_at AND conversations.updated_at
				AND `+failedChat+`)
		FROM path WHERE conversations.id = ?1`, convID)
	return err
}

// stoppedEarly lists the finish reasons (lower-cased) of an answer that was cut
// short: OpenAI's, Anthropic's and Gemini's words for the token limit and filters.
const stoppedEarly = `('length', 'max_tokens', 'content_filter', 'safety', 'recitation', 'refusal', 'blocklist', 'prohibited_content')`

// failedChat is true for a chat exchange (of exchanges aliased e) that went wrong. It
// repeats the WHERE of the partial index exchanges_failed, so that index serves it.
const failedChat = `e.dialect != '' AND (e.error != '' OR e.aborted OR e.status NOT BETWEEN 200 AND 299 OR e.parse_error != '')`
