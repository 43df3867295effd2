-- Captures reach the database through an on-disk capture log (package capture): the
-- proxy appends each exchange to the log before the client's last byte, and an
-- indexer writes them here. indexed_to is how far the log has been written into this
-- database; it moves in the same transaction as the rows it covers, so a crash at
-- any point resumes exactly where the last commit left off.
CREATE TABLE capture_log (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_to INTEGER NOT NULL
);
INSERT INTO capture_log (id, indexed_to) VALUES (1, 0);
