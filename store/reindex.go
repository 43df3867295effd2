package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/llmtap/llmtap/dataset"
)

// ReindexOptions configures Reindex.
type ReindexOptions struct {
	// Decide says what a stored exchange holds with the current parsers: its dialect,
	// the round to thread (nil when none), and why there is none ("" when there is,
	// or when the exchange is not a chat). Required. It is called concurrently, for
	// the exchanges of a batch on every core, and must not modify shared state.
	Decide func(e *Exchange) (d dataset.Dialect, r *dataset.Round, parseErr string)
	// ParsedFromBodies says Decide's rounds are parsed from the exchange's bodies
	// as stored (dataset.Parse), as Capture.ParsedFromBodies: a long answer is then
	// stored once.
	ParsedFromBodies bool
	// BatchSize is how many exchanges go into one write transaction; 0 → 500.
	BatchSize int
	// Progress, when set, is called after each batch with the exchanges done so far
	// and the total.
	Progress func(done, total int)
}

// ReindexStats is what a reindex did.
type ReindexStats struct {
	// Total is how many exchanges the run covers; Exchanges how many it has done.
	Total               int            `json:"total"`
	Exchanges           int            `json:"exchanges"`
	Threaded            int            `json:"threaded"`
	ConversationsBefore int            `json:"conversationsBefore"`
	ConversationsAfter  int            `json:"conversationsAfter"`
	ParseErrors         map[string]int `json:"parseErrors"` // reason → exchanges
	// CapturedDuring counts exchanges another process (a running serve) wrote while
	// the reindex ran. They were threaded against a half-built tree: run it again
	// with serve stopped.
	CapturedDuring int           `json:"capturedDuring"`
	Elapsed        time.Duration `json:"elapsed"`
}

// Reindex rebuilds every conversation and message from the stored exchanges, in
// exchange order, with the parsers and threading of this build. Exchanges are the
// source of truth; conversations and messages are derived and may get new ids.
//
// A person's review work survives: before the tree is cleared, each conversation's
// status, reject reason, note and tags are saved in reindex_marks against its stable identity, the
// exchange that started it (conversations.origin_exchange_id), and afterwards put on
// the conversation that exchange starts or, failing that, the one holding the
// answer of its newest exchange. Marks outlive an interrupted run and are applied by
// the next, so stopping halfway loses nothing and a rerun completes the rebuild.
//
// Each batch is one write transaction, so readers never see a torn batch, but they
// do see the tree half-built while it runs. Run it with serve stopped: a capture
// written meanwhile is threaded against the partial tree (see CapturedDuring).
func (db *DB) Reindex(ctx context.Context, opt ReindexOptions) (ReindexStats, error) {
	start := time.Now()
	st := ReindexStats{ParseErrors: map[string]int{}}
	if opt.Decide == nil {
		return st, errors.New("reindex: no Decide function")
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	maxID, err := db.beginReindex(ctx, &st)
	if err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	finished := false
	defer func() {
		if !finished {
			// A stopped or failed run leaves the tree half-built, to be completed by the
			// next; the list's indexes go back now, not only at the next Open.
			_ = db.restoreIndexes(context.WithoutCancel(ctx))
		}
	}()
	// The next batch is read, decoded and parsed while this one is written.
	readCtx, stop := context.WithCancel(ctx)
	batches := db.readBatches(readCtx, maxID, opt)
	defer func() {
		stop()
		for range batches { // let the reader end before the database may be closed
		}
	}()
	for b := range batches {
		if b.err != nil {
			return st, fmt.Errorf("reindex: %w", b.err)
		}
		batch := b.exchanges
		if err := db.rethread(ctx, b, &st); err != nil {
			return st, fmt.Errorf("reindex: exchanges %d to %d: %w", batch[0].ID, batch[len(batch)-1].ID, err)
		}
		st.Exchanges += len(batch)
		if opt.Progress != nil {
			opt.Progress(st.Exchanges, st.Total)
		}
	}
	if err := db.finishReindex(ctx, maxID, &st); err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	finished = true
	st.Elapsed = time.Since(start)
	return st, nil
}

// beginReindex saves the marks and clears the tree in one transaction, returning the
// newest exchange id the run covers. It runs on a connection of its own with foreign
// keys off (see clearTree).
func (db *DB) beginReindex(ctx context.Context, st *ReindexStats) (int64, error) {
	conn, err := withoutForeignKeys(ctx, db.sql)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM exchanges`).
		Scan(&maxID, &st.Total); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE head_id IS NOT NULL`).
		Scan(&st.ConversationsBefore); err != nil {
		return 0, err
	}
	// Marks left by an interrupted run are older and win (OR IGNORE): the statuses
	// of the partial tree were not restored yet.
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO reindex_marks
		(origin_exchange_id, head_exchange_id, status, tag_ids, note, reject_reason, score)
		SELECT COALESCE(c.origin_exchange_id, (SELECT MIN(m.exchange_id) FROM messages m WHERE m.conversation_id = c.id)),
		       (SELECT h.exchange_id FROM messages h WHERE h.id = c.head_id), c.status,
		       (SELECT json_group_array(t.tag_id) FROM conversation_tags t WHERE t.conversation_id = c.id),
		       c.note, c.reject_reason, c.score
		FROM conversations c
		WHERE c.status != 'unreviewed' OR c.note != '' OR c.score != 0 OR EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id)`); err != nil {
		return 0, fmt.Errorf("save statuses and tags: %w", err)
	}
	// Dropped before the clear, which then need not keep them either.
	if err := dropListIndexes(ctx, tx); err != nil {
		return 0, err
	}
	if err := clearTree(ctx, tx); err != nil {
		return 0, err
	}
	return maxID, tx.Commit()
}

// exchangesAfter reads up to limit exchanges with after < id <= maxID, in id order.
func (db *DB) exchangesAfter(ctx context.Context, after, maxID int64, limit int) ([]Exchange, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, method, url, host, path, status, req_headers, resp_headers,
		`+fullReqBody("exchanges")+`, resp_body, stream, truncated, aborted, error, dialect, parse_error, started_at, ended_at, body_codec, req_ref,
		model, cache_hit, forward_key FROM exchanges WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, maxID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Exchange
	for rows.Next() {
		var e Exchange
		var reqH, respH, codec string
		var ref sql.NullInt64
		var started, ended int64
		if err := rows.Scan(&e.ID, &e.Method, &e.URL, &e.Host, &e.Path, &e.Status, &reqH, &respH, &e.ReqBody, &e.RespBody,
			&e.Stream, &e.Truncated, &e.Aborted, &e.Err, &e.Dialect, &e.ParseErr, &started, &ended, &codec, &ref, &e.Model,
			&e.CacheHit, &e.ForwardKey); err != nil {
			return nil, err
		}
		if err := db.unpackBodies(ctx, e.ID, codec, ref, &e.ReqBody, &e.RespBody); err != nil {
			return nil, fmt.Errorf("exchange %d: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(reqH), &e.ReqHeader); err != nil {
			return nil, fmt.Errorf("exchange %d request headers: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(respH), &e.RespHeader); err != nil {
			return nil, fmt.Errorf("exchange %d response headers: %w", e.ID, err)
		}
		e.Start, e.End = fromMillis(started), fromMillis(ended)
		out = append(out, e)
	}
	return out, rows.Err()
}

// finishReindex puts the saved statuses and tags back and counts the result.
func (db *DB) finishReindex(ctx context.Context, maxID int64, st *ReindexStats) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type mark struct {
		origin, head int64
		status       string
		tags         string
		note, reason string
		score        int
	}
	var marks []mark
	rows, err := tx.QueryContext(ctx, `SELECT origin_exchange_id, COALESCE(head_exchange_id, 0), status, tag_ids,
		note, reject_reason, score FROM reindex_marks ORDER BY origin_exchange_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.origin, &m.head, &m.status, &m.tags, &m.note, &m.reason, &m.score); err != nil {
			rows.Close()
			return err
		}
		marks = append(marks, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range marks {
		// The conversation the exchange started; else the one holding its turns; else
		// the one holding the answer of the old head.
		var convID int64
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(
			(SELECT id FROM conversations WHERE origin_exchange_id = ?1 ORDER BY id LIMIT 1),
			(SELECT conversation_id FROM messages WHERE exchange_id = ?1 ORDER BY id LIMIT 1),
			(SELECT conversation_id FROM messages WHERE exchange_id = ?2 ORDER BY id DESC LIMIT 1), 0)`,
			m.origin, m.head).Scan(&convID)
		if err != nil {
			return fmt.Errorf("find conversation of exchange %d: %w", m.origin, err)
		}
		if convID == 0 {
			continue // its exchanges no longer make a round (a parser now rejects them)
		}
		if m.status != string(dataset.StatusUnreviewed) {
			if _, err := tx.ExecContext(ctx, `UPDATE conversations SET status = ?, reject_reason = ? WHERE id = ?`,
				m.status, m.reason, convID); err != nil {
				return fmt.Errorf("restore status: %w", err)
			}
		}
		if m.note != "" || m.score != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE conversations SET note = ?, score = ? WHERE id = ?`,
				m.note, m.score, convID); err != nil {
				return fmt.Errorf("restore note and score: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)
			SELECT ?, value FROM json_each(?) WHERE value IN (SELECT id FROM tags)`, convID, m.tags); err != nil {
			return fmt.Errorf("restore tags: %w", err)
		}
	}
	if err := remapEdits(ctx, tx); err != nil {
		return fmt.Errorf("restore edits: %w", err)
	}
	if err := restoreListIndexes(ctx, tx); err != nil {
		return fmt.Errorf("rebuild the list's indexes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM reindex_marks`); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM conversations WHERE head_id IS NOT NULL),
			(SELECT COUNT(*) FROM exchanges WHERE id > ?)`, maxID).
		Scan(&st.ConversationsAfter, &st.CapturedDuring); err != nil {
		return err
	}
	return tx.Commit()
}
