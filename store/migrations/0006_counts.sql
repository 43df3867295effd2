-- Counting a list filtered by a tag or a search (issue 4: the count beside every page).
-- Both name a set of conversation ids, and the count looks each one up to check it is
-- live (head_id IS NOT NULL) and passes the other filters. A lookup in the table reads
-- a wide row; this narrow partial index keyed by id answers it alone, which halves the
-- count at 100,000 conversations (tag: 17 → 7 ms; "regex*": 21 → 13 ms).
CREATE INDEX conversations_live ON conversations(id,
	status, model, host, provider, has_tool_calls, has_reasoning, has_errors, updated_at) WHERE head_id IS NOT NULL;

-- A conversation is not live (head_id IS NULL) only while `llmtap reindex` rebuilds it.
-- This index is empty otherwise, so "are all live?" is one seek, and a search with no
-- other filter is counted by its matches alone.
CREATE INDEX conversations_not_live ON conversations(id) WHERE head_id IS NULL;
