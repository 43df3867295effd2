-- Capture at the relay's pace (issue 11): a conversation's row is written once a
-- round. Threading inserts a new conversation whole, after its messages (their
-- foreign keys are checked at commit), and stamps the revision and cost it knows
-- in the same statement as the rest of the row; these triggers then write the row
-- again only when what they would set differs. Any other writer (an edit, a cut,
-- syncRates' repricing) still gets the revision and cost these triggers gave it.

DROP TRIGGER conversations_revision_insert;
DROP TRIGGER conversations_revision_update;
CREATE TRIGGER conversations_revision_insert AFTER INSERT ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
	WHERE id = NEW.id AND revision IS NOT (SELECT value FROM counters WHERE name = 'revisions');
END;
CREATE TRIGGER conversations_revision_update
AFTER UPDATE OF head_id, title, tools, tools_hash, prelude_hash, origin_exchange_id, updated_at ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
	WHERE id = NEW.id AND revision IS NOT (SELECT value FROM counters WHERE name = 'revisions');
END;

DROP TRIGGER conversations_cost_update;
DROP TRIGGER conversations_cost_insert;
CREATE TRIGGER conversations_cost_update
AFTER UPDATE OF model, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens ON conversations
BEGIN
	UPDATE conversations SET cost = (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model)
	WHERE id = NEW.id AND cost IS NOT (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model);
END;
CREATE TRIGGER conversations_cost_insert AFTER INSERT ON conversations
BEGIN
	UPDATE conversations SET cost = (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model)
	WHERE id = NEW.id AND cost IS NOT (SELECT ((NEW.prompt_tokens - NEW.cached_tokens - NEW.cache_write_tokens) * r.input
		+ NEW.cached_tokens * r.cached + NEW.cache_write_tokens * r.cache_write + NEW.completion_tokens * r.output) / 1e6
		FROM model_rates r WHERE r.model = NEW.model);
END;

-- The list's indexes ascend. Declared descending (the order the list shows), each
-- new or newly active conversation went in at the left edge of every one of them;
-- ascending, it is appended at the right edge, which cost a short chat's capture
-- about 6% less CPU (BenchmarkWrite). The list reads them backwards, with the same
-- plans (EXPLAIN QUERY PLAN of every sort, filter and direction) and NULL costs
-- still last when descending. Same names: list.go names some of them (INDEXED BY).
DROP INDEX conversations_updated;
CREATE INDEX conversations_updated ON conversations(updated_at, id,
	status, model, host, has_tool_calls, has_reasoning, has_errors) WHERE head_id IS NOT NULL;
DROP INDEX conversations_created;
CREATE INDEX conversations_created ON conversations(created_at, id) WHERE head_id IS NOT NULL;
DROP INDEX conversations_rounds;
CREATE INDEX conversations_rounds  ON conversations(rounds, id)     WHERE head_id IS NOT NULL;
DROP INDEX conversations_tokens;
CREATE INDEX conversations_tokens  ON conversations(tokens, id)     WHERE head_id IS NOT NULL;
DROP INDEX conversations_status_updated;
CREATE INDEX conversations_status_updated ON conversations(status, updated_at, id) WHERE head_id IS NOT NULL;
DROP INDEX conversations_status_created;
CREATE INDEX conversations_status_created ON conversations(status, created_at, id) WHERE head_id IS NOT NULL;
DROP INDEX conversations_status_rounds;
CREATE INDEX conversations_status_rounds  ON conversations(status, rounds, id)     WHERE head_id IS NOT NULL;
DROP INDEX conversations_status_tokens;
CREATE INDEX conversations_status_tokens  ON conversations(status, tokens, id)     WHERE head_id IS NOT NULL;
DROP INDEX conversations_model;
CREATE INDEX conversations_model    ON conversations(model, updated_at, id)    WHERE head_id IS NOT NULL;
DROP INDEX conversations_host;
CREATE INDEX conversations_host     ON conversations(host, updated_at, id)     WHERE head_id IS NOT NULL;
DROP INDEX conversations_provider;
CREATE INDEX conversations_provider ON conversations(provider, updated_at, id) WHERE head_id IS NOT NULL;
DROP INDEX conversations_cost;
CREATE INDEX conversations_cost        ON conversations(cost, id)         WHERE head_id IS NOT NULL;
DROP INDEX conversations_status_cost;
CREATE INDEX conversations_status_cost ON conversations(status, cost, id) WHERE head_id IS NOT NULL;
