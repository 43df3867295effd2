-- Ratings (issue 14): a 1-5 quality score per conversation and thumbs up or down per
-- answer. The score lives on the conversation row like the note and status (and is
-- saved across `llmtap reindex` in reindex_marks like them); a thumb is a message
-- change like "don't train", so it is kept in message_edits against the message's
-- stable key. Thumbs are the labels of KTO exports and a source of preference pairs.

-- 0 unrated, else 1 (poor) to 5 (excellent).
ALTER TABLE conversations ADD COLUMN score INTEGER NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 5);
ALTER TABLE reindex_marks ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
-- -1 thumbs down, 0 none, 1 thumbs up.
ALTER TABLE message_edits ADD COLUMN thumb INTEGER NOT NULL DEFAULT 0 CHECK (thumb BETWEEN -1 AND 1);
