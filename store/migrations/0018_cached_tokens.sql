-- Cost and usage (issue 14): a prompt's cached tokens counted apart, because they
-- cost less (cache reads) or more (Anthropic's cache writes) than fresh input. Both
-- are parts of prompt_tokens. Answers captured before this migration keep 0 here
-- until `llmtap reindex` reads their usage again.
ALTER TABLE messages ADD COLUMN cached_tokens      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;

-- The chosen path's usage by kind, beside tokens (its total), so that the list can
-- show and order by cost: the price depends on the model and the table a person
-- edits, so cost is computed from these at query time, not stored.
ALTER TABLE conversations ADD COLUMN prompt_tokens      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN completion_tokens  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN cached_tokens      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;

-- Fill the path sums of the conversations there are (the messages' cached parts are
-- 0 until a reindex).
UPDATE conversations SET (prompt_tokens, completion_tokens) = (
	WITH RECURSIVE up(id) AS (
		SELECT conversations.head_id
		UNION ALL SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL)
	SELECT COALESCE(SUM(m.prompt_tokens), 0), COALESCE(SUM(m.completion_tokens), 0) FROM up JOIN messages m ON m.id = up.id)
WHERE head_id IS NOT NULL AND tokens > 0;
