-- Full-text indexing of new messages once per write transaction (issue 11: storing must
-- keep pace with relaying).
--
-- The insert triggers of migrations 1 and 4 indexed each message as it was inserted.
-- FTS5 writes its pending terms to disk at every statement savepoint, so each message
-- became a segment of its own in both indexes, to be merged again later: 50–70 µs a
-- message, more than threading it. The store now indexes the messages a transaction
-- inserted with one statement per index before it commits (store.indexMessages),
-- in rowid order, so each index gets one segment per batch. Readers never see the
-- difference: the rows and their index entries commit together.
--
-- Every writer of messages calls indexMessages; the delete and update triggers stay.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER search_fts_insert;
