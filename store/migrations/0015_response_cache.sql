-- The gateway's response cache and the two marks a gateway exchange carries (issue 13).
--
-- One row per cached answer, under the hash of the provider model and the normalised
-- request (gateway/cache.Key). The body is zstd-compressed; chunks are the byte lengths
-- of the upstream reads as unsigned varints, so a stream is replayed as it came. size is
-- what the row costs against the cap (body, header and chunks as stored, plus a fixed
-- overhead); eviction goes by id, the order rows were written, oldest first.
CREATE TABLE response_cache (
	id         INTEGER PRIMARY KEY,
	key        TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL, -- unix ms
	expires_at INTEGER NOT NULL, -- unix ms: served while now < expires_at
	status     INTEGER NOT NULL,
	stream     INTEGER NOT NULL,
	header     TEXT    NOT NULL, -- JSON object of arrays
	chunks     BLOB    NOT NULL,
	body       BLOB    NOT NULL,
	size       INTEGER NOT NULL
);
CREATE INDEX response_cache_expiry ON response_cache(expires_at);

-- The cache's total size, kept by triggers so a Put checks the cap without summing
-- every row. Rows are only inserted and deleted (a replacement is a delete and an
-- insert: REPLACE would skip the delete trigger unless recursive triggers are on).
CREATE TABLE response_cache_size (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	bytes INTEGER NOT NULL
);
INSERT INTO response_cache_size (id, bytes) VALUES (1, 0);
CREATE TRIGGER response_cache_added AFTER INSERT ON response_cache BEGIN
	UPDATE response_cache_size SET bytes = bytes + NEW.size WHERE id = 1;
END;
CREATE TRIGGER response_cache_removed AFTER DELETE ON response_cache BEGIN
	UPDATE response_cache_size SET bytes = bytes - OLD.size WHERE id = 1;
END;

-- An exchange answered from the response cache ("x-llmtap-cache: hit" on its response):
-- kept, shown, never threaded into a conversation, since it repeats an answer that is
-- already a turn (reindex decides it the same way, from the stored header).
ALTER TABLE exchanges ADD COLUMN cache_hit INTEGER NOT NULL DEFAULT 0;

-- The forward key that made an exchange (gateway/keys ForwardKey.ID, never the key),
-- '' when none. The review list filters conversations by it.
ALTER TABLE exchanges ADD COLUMN forward_key TEXT NOT NULL DEFAULT '';
