-- A message text of 4 MiB or more (a pasted document or log, issue 11) is stored in
-- parts of about 1 MiB: messages.content keeps the first part and
-- message_text_parts the rest, content_parts counting them. Written whole, SQLite
-- held two more copies of a 30 MB text in C while it inserted the row (the bound
-- value and the record built from it), and its search indexing read the whole text
-- again to take the first 65,536 characters. In parts, each statement holds one part.
-- The first part is longer than 65,536 characters (1 MiB of UTF-8 is at least 262,144
-- of them), so message_text and the search indexes (0016) see the same text as before.
-- Readers join the parts back (store/textparts.go, fullContent).
--
-- The same goes for a request body stored as 4 MiB or more (the capture log's zstd
-- frame of a big request, about 10 MB for 30 MB of prose): exchanges.req_body keeps
-- the first part, exchange_body_parts the rest, req_parts counting them (fullReqBody).
ALTER TABLE messages ADD COLUMN content_parts INTEGER NOT NULL DEFAULT 0;
CREATE TABLE message_text_parts (
	message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	part       INTEGER NOT NULL, -- 1, 2, … after the first part in messages.content
	text       TEXT NOT NULL,
	PRIMARY KEY (message_id, part)
);

ALTER TABLE exchanges ADD COLUMN req_parts INTEGER NOT NULL DEFAULT 0;
CREATE TABLE exchange_body_parts (
	exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
	part        INTEGER NOT NULL, -- 1, 2, … after the first part in exchanges.req_body
	data        BLOB NOT NULL,
	PRIMARY KEY (exchange_id, part)
);
