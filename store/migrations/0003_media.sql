-- Images, audio and files stored once by content hash (issue 3). A client resends the same
-- image with every later request of a chat; the bytes are kept here once and messages keep
-- references, never the bytes.

CREATE TABLE media (
	hash TEXT PRIMARY KEY, -- hex SHA-256 of data (dataset.MediaHash)
	mime TEXT    NOT NULL DEFAULT '',
	data BLOB    NOT NULL,
	size INTEGER NOT NULL
) WITHOUT ROWID;

-- JSON array of dataset.Media without Data ({kind, mime, url, hash}), '' when none.
ALTER TABLE messages ADD COLUMN media TEXT NOT NULL DEFAULT '';
