-- A long answer's text is stored once (issue 11). Its response body, kept compressed
-- in exchanges.resp_body, already holds it: storing the text in messages.content as
-- well wrote a 2 MB streamed reply's text a second time (2.7 MB of rows instead of
-- 0.6), which SQLite wrote to the WAL and copied again at the checkpoint. An answer
-- of 256 KiB or more that its response gives as it was stored (OpenAI chat and
-- Anthropic messages: dataset.ParseAnswers) now keeps only its first 65,536
-- characters in content, all that message_text and both search indexes (0016) read
-- of any text, with content_parts = -1; the whole text is answer number content_answer
-- of its exchange's response, content_len bytes long with CRC-32C content_crc.
-- Readers get it back byte for byte (store/answertext.go: fullContent in SQL through
-- the function llmtap_answer_text, wholeText in Go); a text that no longer matches
-- its length and CRC (a parser changed how it reads a response) is an error that
-- names `llmtap reindex`, never a different text.
ALTER TABLE messages ADD COLUMN content_answer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN content_len INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN content_crc INTEGER NOT NULL DEFAULT 0;
