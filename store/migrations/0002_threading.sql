-- Threading that survives real client traffic (issue 3).
--
-- From here on the message tree holds only the dialogue turns (user, assistant, tool).
-- A conversation's system prompt and example dialogue (its "prelude") and its tool list are
-- kept once per distinct content in blobs and referenced by hash, so agents that resend a
-- 30 KB system prompt on every request store it once. Messages' key is the chained hash of
-- the dialogue turns only (dataset.MessageKey over dataset.SplitHistory's turns). Rows written
-- before this migration keep their old keys and system rows; `llmtap reindex` rebuilds them.

-- Content-addressed text: hash is the hex SHA-256 of data.
CREATE TABLE blobs (
	hash TEXT PRIMARY KEY,
	data BLOB    NOT NULL,
	size INTEGER NOT NULL
) WITHOUT ROWID;

-- The newest prelude (JSON array of dataset.Message) and tool list, '' when none. The old
-- tools column stays for rows written before; readers prefer tools_hash.
ALTER TABLE conversations ADD COLUMN prelude_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN tools_hash   TEXT NOT NULL DEFAULT '';
-- How many messages the prelude holds, so message_count (prelude + path) needs no blob read.
ALTER TABLE conversations ADD COLUMN prelude_count INTEGER NOT NULL DEFAULT 0;
-- The client's session (dataset.Round.SessionID) when it said; requests of other sessions never join.
ALTER TABLE conversations ADD COLUMN session_id   TEXT NOT NULL DEFAULT '';
-- The stable identity of a conversation: the exchange that started it. Exchange ids never
-- change, while conversation ids do when `llmtap reindex` rebuilds the tree, so a person's
-- status and tags are carried over by this column.
ALTER TABLE conversations ADD COLUMN origin_exchange_id INTEGER;
CREATE INDEX conversations_origin ON conversations(origin_exchange_id);

-- dataset.MessageKey("", m): the message on its own, whatever came before. It finds a
-- conversation whose first turn the client edited, by the turn that follows.
ALTER TABLE messages ADD COLUMN content_key      TEXT    NOT NULL DEFAULT '';
-- 1 when the message is an answer a response carried, 0 when it was only seen in a history.
-- A stored answer resent by the client is strong evidence of the same chat; a history turn
-- (a character's greeting, example text) is not.
ALTER TABLE messages ADD COLUMN is_answer        INTEGER NOT NULL DEFAULT 0;
-- Answers on the path up to and including this message.
ALTER TABLE messages ADD COLUMN answers          INTEGER NOT NULL DEFAULT 0;
-- 1 when the client resent this turn changed: a sibling of the original, a ready preference pair.
ALTER TABLE messages ADD COLUMN edited_by_client INTEGER NOT NULL DEFAULT 0;
-- The provider's response id (OpenAI Responses) on the answer it belongs to, for previous_response_id.
ALTER TABLE messages ADD COLUMN response_id      TEXT    NOT NULL DEFAULT '';
CREATE INDEX messages_content  ON messages(content_key, depth);
CREATE INDEX messages_response ON messages(response_id) WHERE response_id <> '';

-- Statuses and tags of conversations, by stable identity, while `llmtap reindex` rebuilds
-- them. Rows live only during a reindex; one left behind by an interrupted run is applied by
-- the next, so a person's review work is never lost.
CREATE TABLE reindex_marks (
	origin_exchange_id INTEGER PRIMARY KEY,
	head_exchange_id   INTEGER,
	status             TEXT NOT NULL,
	tag_ids            TEXT NOT NULL DEFAULT '[]' -- JSON array of tags.id
);
