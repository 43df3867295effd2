-- A chat client resends the whole history with every request, so a 200-turn chat
-- stored its early turns 200 times: the data folder grew with the square of a chat's
-- length. Since this migration a request body may be stored as a delta against an
-- earlier request body (body_codec 'zstd-ref', store/delta.go): req_ref is the
-- exchange whose request body it is rebuilt from. Chains are bounded by the writer.
ALTER TABLE exchanges ADD COLUMN req_ref INTEGER;

-- Deleting an exchange that another body is rebuilt from would make that body
-- unreadable. Nothing deletes exchanges today; whatever does later (retention, a
-- "delete conversation") must re-base the dependants first, and this makes a
-- delete that forgets it fail instead of losing data. The index keeps the check
-- from scanning the table.
CREATE INDEX exchanges_req_ref ON exchanges (req_ref) WHERE req_ref IS NOT NULL;
CREATE TRIGGER exchanges_keep_ref BEFORE DELETE ON exchanges
WHEN EXISTS (SELECT 1 FROM exchanges WHERE req_ref = OLD.id) BEGIN
	SELECT RAISE(ABORT, 'exchange is the reference of another request body: re-base its dependants first');
END;
