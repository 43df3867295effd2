-- How many conversations and exchanges there are, kept by triggers: /api/status is
-- polled by every open window every few seconds, and counting the tables took ~15 ms
-- at 600,000 exchanges, growing with them. A conversation counts while it is live
-- (head_id IS NOT NULL; not live only while a reindex rebuilds it).
INSERT INTO counters (name, value) VALUES ('exchanges', (SELECT COUNT(*) FROM exchanges));
INSERT INTO counters (name, value)
	VALUES ('conversations', (SELECT COUNT(*) FROM conversations WHERE head_id IS NOT NULL));

CREATE TRIGGER exchanges_count_insert AFTER INSERT ON exchanges BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'exchanges';
END;
CREATE TRIGGER exchanges_count_delete AFTER DELETE ON exchanges BEGIN
	UPDATE counters SET value = value - 1 WHERE name = 'exchanges';
END;

CREATE TRIGGER conversations_count_insert AFTER INSERT ON conversations WHEN NEW.head_id IS NOT NULL BEGIN
	UPDATE counters SET value = value + 1 WHERE name = 'conversations';
END;
CREATE TRIGGER conversations_count_update AFTER UPDATE OF head_id ON conversations
WHEN (OLD.head_id IS NULL) != (NEW.head_id IS NULL) BEGIN
	UPDATE counters SET value = value + CASE WHEN NEW.head_id IS NULL THEN -1 ELSE 1 END WHERE name = 'conversations';
END;
CREATE TRIGGER conversations_count_delete AFTER DELETE ON conversations WHEN OLD.head_id IS NOT NULL BEGIN
	UPDATE counters SET value = value - 1 WHERE name = 'conversations';
END;
