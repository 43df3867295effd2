-- Review listing and curation (issue 4, docs/api-review.md).
--
-- The list filters and sorts on what a conversation holds, so those facts are copied onto
-- the conversation row when threading updates it (store.syncReview): a page of 50 rows
-- is then an index range, never a walk over 100,000 message trees. Rows threaded before
-- this migration get them from `llmtap reindex` (usage was not kept before, so tokens
-- stay 0 until then).

-- The provider behind the host ("openai", "ollama", "local", …; dataset.Provider), '' when unknown.
ALTER TABLE conversations ADD COLUMN provider       TEXT    NOT NULL DEFAULT '';
-- Sum of usage (prompt + completion) over the answers on the chosen path.
ALTER TABLE conversations ADD COLUMN tokens         INTEGER NOT NULL DEFAULT 0;
-- 1 when a message on the chosen path makes tool calls / carries reasoning.
ALTER TABLE conversations ADD COLUMN has_tool_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN has_reasoning  INTEGER NOT NULL DEFAULT 0;
-- 1 when something went wrong while the conversation was held. Failed exchanges carry no
-- round, so which conversation they belong to is not known for certain; the rule is:
-- an answer on the chosen path stopped early (finish reason length or content_filter),
-- or a chat exchange to the same host failed (error, aborted, non-2xx, unparsable) between
-- the conversation's first and last round. It is a hint for review, not a fact.
ALTER TABLE conversations ADD COLUMN has_errors     INTEGER NOT NULL DEFAULT 0;
-- The person's words: a free note, and why a conversation was rejected.
ALTER TABLE conversations ADD COLUMN note           TEXT    NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN reject_reason  TEXT    NOT NULL DEFAULT '';
-- The User-Agent of the exchange that started it, cut to product/version (dataset.ClientName).
ALTER TABLE conversations ADD COLUMN client         TEXT    NOT NULL DEFAULT '';

-- Token usage the response reported, on the first answer it carried (0 when none was reported).
ALTER TABLE messages ADD COLUMN prompt_tokens     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN total_tokens      INTEGER NOT NULL DEFAULT 0;

-- One index per sort, and per sort under the status filter (the review queue is the
-- common view). The other filters (model, host, provider) are equality on a column with
-- few values: their index serves the newest-first page and the count. The list always asks
-- head_id IS NOT NULL, so the indexes are partial and counts never touch the table.
DROP INDEX conversations_updated;
DROP INDEX conversations_status;
-- The default order carries the flag and equality columns too: a filter on a flag (or any
-- mix) counts by scanning this narrow index instead of the wide rows, and pages in order.
CREATE INDEX conversations_updated ON conversations(updated_at DESC, id DESC,
	status, model, host, has_tool_calls, has_reasoning, has_errors) WHERE head_id IS NOT NULL;
CREATE INDEX conversations_created ON conversations(created_at DESC, id DESC) WHERE head_id IS NOT NULL;
CREATE INDEX conversations_rounds  ON conversations(rounds DESC, id DESC)     WHERE head_id IS NOT NULL;
CREATE INDEX conversations_tokens  ON conversations(tokens DESC, id DESC)     WHERE head_id IS NOT NULL;
CREATE INDEX conversations_status_updated ON conversations(status, updated_at DESC, id DESC) WHERE head_id IS NOT NULL;
CREATE INDEX conversations_status_created ON conversations(status, created_at DESC, id DESC) WHERE head_id IS NOT NULL;
CREATE INDEX conversations_status_rounds  ON conversations(status, rounds DESC, id DESC)     WHERE head_id IS NOT NULL;
CREATE INDEX conversations_status_tokens  ON conversations(status, tokens DESC, id DESC)     WHERE head_id IS NOT NULL;
CREATE INDEX conversations_model    ON conversations(model, updated_at DESC, id DESC)    WHERE head_id IS NOT NULL;
CREATE INDEX conversations_host     ON conversations(host, updated_at DESC, id DESC)     WHERE head_id IS NOT NULL;
CREATE INDEX conversations_provider ON conversations(provider, updated_at DESC, id DESC) WHERE head_id IS NOT NULL;
-- Tag filters and tag counts go from the tag to its conversations.
CREATE INDEX conversation_tags_tag ON conversation_tags(tag_id, conversation_id);
-- has_errors looks for failed chat exchanges of a host in a time span.
CREATE INDEX exchanges_failed ON exchanges(host, started_at)
	WHERE dialect != '' AND (error != '' OR aborted OR status NOT BETWEEN 200 AND 299 OR parse_error != '');

-- Full-text search by conversation. messages_fts (0001) maps a hit to a message; turning
-- 70,000 hits of a common word into conversations then costs a row read each, far too slow
-- for a search box. This second index holds the same text with rowid = conversation_id << 32
-- | message id, so the conversation of a hit is arithmetic on the rowid and the index alone
-- answers which conversations match. It stores no text (contentless); snippets still come
-- from messages_fts. Message ids stay below 2^32.
CREATE VIRTUAL TABLE search_fts USING fts5(
	content, reasoning, content = '', contentless_delete = 1, tokenize = 'unicode61'
);
CREATE TRIGGER search_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO search_fts(rowid, content, reasoning)
	VALUES ((new.conversation_id << 32) | new.id, new.content, new.reasoning);
END;
CREATE TRIGGER search_fts_delete AFTER DELETE ON messages BEGIN
	DELETE FROM search_fts WHERE rowid = (old.conversation_id << 32) | old.id;
END;
CREATE TRIGGER search_fts_update AFTER UPDATE OF content, reasoning, conversation_id ON messages BEGIN
	DELETE FROM search_fts WHERE rowid = (old.conversation_id << 32) | old.id;
	INSERT INTO search_fts(rowid, content, reasoning)
	VALUES ((new.conversation_id << 32) | new.id, new.content, new.reasoning);
END;
INSERT INTO search_fts(rowid, content, reasoning)
	SELECT (conversation_id << 32) | id, content, reasoning FROM messages;

-- Notes and reject reasons survive `llmtap reindex` like statuses and tags.
ALTER TABLE reindex_marks ADD COLUMN note          TEXT NOT NULL DEFAULT '';
ALTER TABLE reindex_marks ADD COLUMN reject_reason TEXT NOT NULL DEFAULT '';

-- A number that grows whenever conversations or their tags change, so the UI can poll
-- /api/status cheaply and refetch only then. PRAGMA data_version would be per connection
-- and the pool has many; triggers catch every writer, present and future.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('changed', 0);
CREATE TRIGGER conversations_changed_insert AFTER INSERT ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversations_changed_update AFTER UPDATE ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversations_changed_delete AFTER DELETE ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversation_tags_changed_insert AFTER INSERT ON conversation_tags BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversation_tags_changed_delete AFTER DELETE ON conversation_tags BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER tags_changed_update AFTER UPDATE ON tags BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER tags_changed_delete AFTER DELETE ON tags BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
