-- Reserved: migration 0015 belongs to another branch (wt-fts was given 0016). This
-- file only keeps the numbering contiguous here; when the branches merge, the other
-- branch's 0015 replaces it.
SELECT 1;
