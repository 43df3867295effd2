-- A conversation's revision changes whenever what an export makes of it can change: a
-- capture into it (new turns, a regeneration, its tools or system prompt), a choice
-- of branch or cut, a changed system prompt, an edit, a "don't train" or "better
-- answer" mark. It does not change with its status, note or tags, which choose
-- conversations but do not change their records. The export preview keeps what it
-- found of each conversation under (id, revision) and checks again only what changed.
-- Revisions come from their own counter, so an id reused after a reindex never meets
-- its old revision.
-- Existing conversations start at revision 1 (the default: no rewrite of every row).
ALTER TABLE conversations ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
INSERT INTO counters (name, value) VALUES ('revisions', 1);

CREATE TRIGGER conversations_revision_insert AFTER INSERT ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions') WHERE id = NEW.id;
END;
CREATE TRIGGER conversations_revision_update
AFTER UPDATE OF head_id, title, tools, tools_hash, prelude_hash, origin_exchange_id, updated_at ON conversations BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions') WHERE id = NEW.id;
END;

CREATE TRIGGER message_edits_revision_insert AFTER INSERT ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id = NEW.origin_exchange_id;
END;
CREATE TRIGGER message_edits_revision_update AFTER UPDATE ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id IN (OLD.origin_exchange_id, NEW.origin_exchange_id);
END;
CREATE TRIGGER message_edits_revision_delete AFTER DELETE ON message_edits BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id = OLD.origin_exchange_id;
END;

CREATE TRIGGER conversation_choices_revision_insert AFTER INSERT ON conversation_choices BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id = NEW.origin_exchange_id;
END;
CREATE TRIGGER conversation_choices_revision_update AFTER UPDATE ON conversation_choices BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id IN (OLD.origin_exchange_id, NEW.origin_exchange_id);
END;
CREATE TRIGGER conversation_choices_revision_delete AFTER DELETE ON conversation_choices BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'revisions';
	UPDATE conversations SET revision = (SELECT value FROM counters WHERE name = 'revisions')
		WHERE origin_exchange_id = OLD.origin_exchange_id;
END;
