-- The first schema. Raw exchanges are the source of truth; conversations and messages are
-- derived from them by threading and can be rebuilt, so a person's edits will later be kept
-- against stable message keys rather than row ids.

CREATE TABLE exchanges (
	id            INTEGER PRIMARY KEY,
	started_at    INTEGER NOT NULL, -- unix milliseconds, like every time column here
	first_byte_at INTEGER,          -- NULL when no response byte arrived
	ended_at      INTEGER NOT NULL,
	method        TEXT    NOT NULL,
	url           TEXT    NOT NULL, -- credentials already redacted by the proxy
	route         TEXT    NOT NULL,
	host          TEXT    NOT NULL,
	path          TEXT    NOT NULL,
	status        INTEGER NOT NULL,
	req_headers   TEXT    NOT NULL, -- JSON object of lists, redacted
	resp_headers  TEXT    NOT NULL,
	-- Bodies are stored decoded (Content-Encoding removed) so they can be searched and re-parsed.
	req_body      BLOB    NOT NULL,
	resp_body     BLOB    NOT NULL,
	stream        INTEGER NOT NULL DEFAULT 0,
	truncated     INTEGER NOT NULL DEFAULT 0,
	aborted       INTEGER NOT NULL DEFAULT 0,
	error         TEXT    NOT NULL DEFAULT '',
	dialect       TEXT    NOT NULL DEFAULT '',
	-- Why the bodies could not be turned into a conversation round, '' when they could.
	parse_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX exchanges_started ON exchanges(started_at);

CREATE TABLE conversations (
	id            INTEGER PRIMARY KEY,
	title         TEXT    NOT NULL,
	status        TEXT    NOT NULL DEFAULT 'unreviewed'
	              CHECK (status IN ('unreviewed', 'confirmed', 'rejected')),
	model         TEXT    NOT NULL DEFAULT '',
	host          TEXT    NOT NULL DEFAULT '',
	tools         TEXT    NOT NULL DEFAULT '', -- JSON array of tool definitions
	-- The leaf the chosen path ends at: the newest answer. The path is walked up from here.
	head_id       INTEGER REFERENCES messages(id),
	-- Copies of the head's depth and round count, so list pages need no tree walk.
	message_count INTEGER NOT NULL DEFAULT 0,
	rounds        INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations(updated_at DESC, id DESC);
CREATE INDEX conversations_status ON conversations(status, updated_at DESC, id DESC);

-- Messages form a tree per conversation: regenerations are siblings under one parent.
CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	parent_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
	-- dataset.MessageKey: a hash of the whole path up to and including this message. A new
	-- request finds the conversation it continues by looking its history's keys up here.
	key             TEXT    NOT NULL,
	depth           INTEGER NOT NULL, -- 1 for a root
	rounds          INTEGER NOT NULL, -- assistant messages on the path up to here
	role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
	content         TEXT    NOT NULL,
	reasoning       TEXT    NOT NULL DEFAULT '',
	tool_calls      TEXT    NOT NULL DEFAULT '', -- JSON array of dataset.ToolCall, '' for none
	tool_call_id    TEXT    NOT NULL DEFAULT '',
	name            TEXT    NOT NULL DEFAULT '',
	finish_reason   TEXT    NOT NULL DEFAULT '',
	exchange_id     INTEGER REFERENCES exchanges(id),
	created_at      INTEGER NOT NULL
);
CREATE INDEX messages_key ON messages(key);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_parent ON messages(parent_id);

CREATE TABLE tags (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE,
	color TEXT NOT NULL DEFAULT ''
);
CREATE TABLE conversation_tags (
	conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
	tag_id          INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
	PRIMARY KEY (conversation_id, tag_id)
) WITHOUT ROWID;

-- Full-text search over what was said. External content: the text lives once, in messages.
CREATE VIRTUAL TABLE messages_fts USING fts5(
	content, reasoning, content = 'messages', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
	VALUES ('delete', old.id, old.content, old.reasoning);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
	VALUES ('delete', old.id, old.content, old.reasoning);
	INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END;
