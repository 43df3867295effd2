-- Exchange bodies compressed. A chat client sends the whole history with every request,
-- so a long chat stores its early turns once per request; JSON and SSE compress well
-- (2.8x for llmtap generate --realistic traffic, more for long chats). body_codec names
-- the encoding of both bodies: '' raw (every row before this migration), 'zstd'. The
-- sizes are of the bodies as captured; NULL means the stored length (raw rows).
ALTER TABLE exchanges ADD COLUMN body_codec TEXT NOT NULL DEFAULT '';
ALTER TABLE exchanges ADD COLUMN req_size   INTEGER;
ALTER TABLE exchanges ADD COLUMN resp_size  INTEGER;
