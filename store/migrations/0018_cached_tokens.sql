-- Cost and usage (issue 14): a prompt's cached tokens counted apart, because they
-- cost less (cache reads) or more (Anthropic's cache writes) than fresh input. Both
-- are parts of prompt_tokens. Answers captured before this migration keep 0 here
-- until `llmtap reindex` reads their usage again.
ALTER TABLE messages ADD COLUMN cached_tokens      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;

-- The chosen path's usage by kind, beside tokens (its total), from which the list's
-- cost (below) is computed.
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

-- The list's cost, so that sort=cost reads an index. It is the chosen path's usage
-- at the rates of model_rates: the price table's resolved rates of each model seen,
-- which the store writes when a list brings rates (ListOptions.Rates) that differ,
-- then reprices that model's rows. A trigger keeps cost as the row's usage changes.
-- NULL is a model without a price.
ALTER TABLE conversations ADD COLUMN cost REAL;
CREATE TABLE model_rates (
	model       TEXT PRIMARY KEY,
	input       REAL NOT NULL,
	cached      REAL NOT NULL,
	cache_write REAL NOT NULL,
	output      REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX conversations_cost        ON conversations(cost DESC, id DESC)         WHERE head_id IS NOT NULL;
CREATE INDEX conversations_status_cost ON conversations(status, cost DESC, id DESC) WHERE head_id IS NOT NULL;

CREATE TRIGGER conversations_cost_update
AFTER UPDATE OF model, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens ON conversations
BEGIN
	UPDATE conversations SET cost = (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model) WHERE id = NEW.id;
END;

CREATE TRIGGER conversations_cost_insert AFTER INSERT ON conversations
BEGIN
	UPDATE conversations SET cost = (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model) WHERE id = NEW.id;
END;
