-- Full-text search indexes each message once, and finds words in scripts written
-- without spaces (issues 11 and 14).
--
-- Until now every message was indexed twice: messages_fts (0001, rowid = message id,
-- external content) gave snippets, search_fts (0004, rowid = conversation_id << 32 |
-- id, contentless) told which conversations match. Both tokenized the same text, so
-- a 2 MB reply cost two full indexings. search_fts now takes its text from the view
-- message_text, keyed like its rowids (an index on that expression finds a row), so
-- the one index gives both the conversations and the snippets; messages_fts goes.
--
-- A message's indexed text is its first 65,536 characters of content and of
-- reasoning (the view's substr): a 2 MB reply is stored whole but indexed only up to
-- there, which keeps storing it at over 100 MB/s (FTS5 tokenizes ~16 MB/s here).
-- The delete and update triggers give FTS5 exactly the view's text, as an external
-- content table needs: the text a row was indexed with.
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
DROP TRIGGER search_fts_delete;
DROP TRIGGER search_fts_update;
DROP TABLE search_fts;

CREATE INDEX messages_search_key ON messages ((conversation_id << 32) | id);
CREATE VIEW message_text AS
	SELECT (conversation_id << 32) | id AS key, id,
		substr(content, 1, 65536) AS content, substr(reasoning, 1, 65536) AS reasoning
	FROM messages;

CREATE VIRTUAL TABLE search_fts USING fts5(
	content, reasoning, content = 'message_text', content_rowid = 'key', tokenize = 'unicode61'
);
CREATE TRIGGER search_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO search_fts(search_fts, rowid, content, reasoning)
	VALUES ('delete', (old.conversation_id << 32) | old.id,
		substr(old.content, 1, 65536), substr(old.reasoning, 1, 65536));
END;
CREATE TRIGGER search_fts_update AFTER UPDATE OF content, reasoning, conversation_id ON messages BEGIN
	INSERT INTO search_fts(search_fts, rowid, content, reasoning)
	VALUES ('delete', (old.conversation_id << 32) | old.id,
		substr(old.content, 1, 65536), substr(old.reasoning, 1, 65536));
	INSERT INTO search_fts(rowid, content, reasoning)
	VALUES ((new.conversation_id << 32) | new.id,
		substr(new.content, 1, 65536), substr(new.reasoning, 1, 65536));
END;
INSERT INTO search_fts(search_fts) VALUES ('rebuild');

-- Words inside Chinese, Japanese, Korean, Thai, Lao, Khmer and Myanmar text: the
-- unicode61 tokenizer makes a whole run between punctuation one token, so 成都 in
-- 成都美食很好 was never found. script_fts indexes only the messages that hold such
-- characters (store/script.go), with each run of them written as its overlapping
-- pairs of characters plus its last character (成都美食 → 成都 都美 美食 食) and the
-- rest of the text as it is; a query in those scripts is rewritten the same way
-- (a word of two characters is one term, of three a phrase of two). Marks are token
-- characters here, since Thai vowels and tones are marks. The text is written by Go
-- at index time, so the table is contentless: a delete needs only the rowid, and
-- deleting a message that was never in it is harmless. Snippets for these queries
-- are made from the messages' text (store/script_snippet.go). The store fills it for
-- the messages already there right after this migration (db.go, afterMigration).
CREATE VIRTUAL TABLE script_fts USING fts5(
	content, reasoning, content = '', contentless_delete = 1,
	tokenize = "unicode61 categories 'L* N* Co M*'"
);
CREATE TRIGGER script_fts_delete AFTER DELETE ON messages BEGIN
	DELETE FROM script_fts WHERE rowid = (old.conversation_id << 32) | old.id;
END;
-- llmtap never changes a stored message's text or conversation; if something else
-- does, the message leaves this index (its text would need store/script.go) and
-- `llmtap reindex` puts it back.
CREATE TRIGGER script_fts_update AFTER UPDATE OF content, reasoning, conversation_id ON messages BEGIN
	DELETE FROM script_fts WHERE rowid = (old.conversation_id << 32) | old.id;
END;
