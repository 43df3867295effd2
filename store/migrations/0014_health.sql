-- Health figures per host and per model (issue 15): success rate, latency and time to
-- first byte percentiles, errors by kind, over a recent window or all time.
--
-- The model an exchange asked for, '' when none is known (not JSON, no "model" field,
-- or captured before this migration). Failed requests have no conversation round, so
-- the model cannot come from the messages.
ALTER TABLE exchanges ADD COLUMN model TEXT NOT NULL DEFAULT '';

-- Covering index for store.Health: every column it reads, so the query never touches a
-- row, whose bodies are stored inline before the columns it needs (reaching those
-- means walking the bodies' overflow pages). Ordered by time for the recent window.
CREATE INDEX exchanges_health ON exchanges(started_at, host, model, status, aborted, stream,
	first_byte_at, ended_at, error);
