-- Siblings of a message: the answers to one turn (branches), or a conversation's roots.
-- Counting or listing them by parent_id alone is a seek for a reply, but for a root
-- (parent_id IS NULL) it walked every conversation's roots: opening any conversation
-- took 150 ms at 100,000 conversations, and an export ran at seven a second. With the
-- conversation first, both are a seek.
CREATE INDEX messages_siblings ON messages(conversation_id, parent_id);
