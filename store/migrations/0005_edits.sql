-- A person's edits of conversations (issue 4, docs/api-review.md): edited text, "don't
-- train" flags, preferred answers, branch choices, cuts and an edited system prompt.
--
-- Conversations and messages are derived from the exchanges and `llmtap reindex` rebuilds
-- them with new row ids, so nothing here points at a row id. A conversation is named by
-- its stable identity, the exchange that started it (conversations.origin_exchange_id),
-- and a message by its path key (messages.key: a hash of the dialogue path up to and
-- including it), which a rebuild computes again the same. No foreign keys for that reason:
-- a row whose conversation is being rebuilt, or whose turns a newer parser no longer
-- produces, is kept rather than lost, and applies again when its identity comes back.
--
-- An edit changes the text shown and exported, never the key: keys name what was
-- captured, and a client that sends the chat again sends the captured text, which must
-- keep threading onto the same message.

-- Per message. content is NULL when the text is not edited; the captured text stays in
-- messages.content (the "original"). A row whose columns are all at their defaults is
-- deleted, so the table holds only real changes.
CREATE TABLE message_edits (
	origin_exchange_id INTEGER NOT NULL,
	key                TEXT    NOT NULL,
	content            TEXT,
	train              INTEGER NOT NULL DEFAULT 1, -- 0: an answer left out of exports with its round
	preferred          INTEGER NOT NULL DEFAULT 0, -- 1: the better answer among its siblings
	updated_at         INTEGER NOT NULL,           -- unix milliseconds
	PRIMARY KEY (origin_exchange_id, key)
) WITHOUT ROWID;

-- Per conversation. The chosen path ends at conversations.head_id; threading and the
-- choice operations both compute it from these keys (store.chosenHead):
--   cut_key    '' or the message the path ends at, whatever is captured below it later;
--   branch_key '' or a message the path runs through, to the newest leaf under it, so a
--              capture continuing that branch moves the end along while one on another
--              branch does not take the person's choice away.
-- system_content is NULL when the system prompt is not edited.
CREATE TABLE conversation_choices (
	origin_exchange_id INTEGER PRIMARY KEY,
	branch_key         TEXT    NOT NULL DEFAULT '',
	cut_key            TEXT    NOT NULL DEFAULT '',
	system_content     TEXT,
	updated_at         INTEGER NOT NULL
);

-- The UI polls counters.changed (migration 4) to refetch; edits change what a
-- conversation shows without touching its row.
CREATE TRIGGER message_edits_changed_insert AFTER INSERT ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER message_edits_changed_update AFTER UPDATE ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER message_edits_changed_delete AFTER DELETE ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversation_choices_changed_insert AFTER INSERT ON conversation_choices BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
CREATE TRIGGER conversation_choices_changed_update AFTER UPDATE ON conversation_choices BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'changed';
END;
