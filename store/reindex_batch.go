package store

import (
	"context"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// decidedBatch is a batch of stored exchanges as Reindex threads them: each
// decided with the current parsers and its round prepared, or the error that
// ended reading.
type decidedBatch struct {
	exchanges []Exchange
	dialects  []dataset.Dialect
	whys      []string
	preps     []*prepared
	err       error
}

// readBatches reads the exchanges up to maxID in batches, deciding and preparing
// each batch on every core, one batch ahead of the writer: parsing and the write
// transaction then use both cores. The channel closes after the last batch, after
// an error (sent as the batch's err), or when ctx ends.
func (db *DB) readBatches(ctx context.Context, maxID int64, opt ReindexOptions) <-chan decidedBatch {
	out := make(chan decidedBatch, 1)
	go func() {
		defer close(out)
		for after := int64(0); ; {
			batch, err := db.exchangesAfter(ctx, after, maxID, opt.BatchSize)
			if err != nil {
				err = fmt.Errorf("read exchanges after %d: %w", after, err)
			}
			if err == nil && len(batch) == 0 {
				return
			}
			b := decidedBatch{err: err}
			if err == nil {
				b = decide(batch, opt.Decide, opt.ParsedFromBodies)
				after = batch[len(batch)-1].ID
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// decide decides and prepares the exchanges of a batch on every core.
func decide(batch []Exchange, decide func(*Exchange) (dataset.Dialect, *dataset.Round, string), fromBodies bool) decidedBatch {
	b := decidedBatch{exchanges: batch, dialects: make([]dataset.Dialect, len(batch)),
		whys: make([]string, len(batch)), preps: make([]*prepared, len(batch))}
	parallel(len(batch), func(i int) {
		e := &batch[i]
		var r *dataset.Round
		b.dialects[i], r, b.whys[i] = decide(e)
		if r != nil {
			bodyDialect := dataset.Dialect("")
			if fromBodies {
				bodyDialect = b.dialects[i] // the dialect Decide parsed the stored bodies in
			}
			b.preps[i] = prepare(r, e.ReqHeader, bodyDialect)
		}
	})
	return b
}

// rethread threads one decided batch in one transaction.
func (db *DB) rethread(ctx context.Context, b decidedBatch, st *ReindexStats) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Given a context that can end, the driver runs each statement on a goroutine of
	// its own and waits for it, which cost a round of a dozen statements more than
	// the statements (on a loaded machine, far more). The batch's statements run on
	// this goroutine, like capture's; ctx is checked before the commit, and its end
	// rolls the transaction back (BeginTx).
	run := context.WithoutCancel(ctx)
	w, err := newWriter(run, tx)
	if err != nil {
		return err
	}
	for i := range b.exchanges {
		e, d, why := &b.exchanges[i], b.dialects[i], b.whys[i]
		// Exchanges captured before migration 14 get the model their request named.
		model := e.Model
		if model == "" {
			model = dataset.RequestModel(e.Path, e.ReqBody)
		}
		if d != e.Dialect || why != e.ParseErr || model != e.Model {
			if _, err := tx.ExecContext(run, `UPDATE exchanges SET dialect = ?, parse_error = ?, model = ? WHERE id = ?`,
				string(d), why, model, e.ID); err != nil {
				return err
			}
		}
		if why != "" {
			st.ParseErrors[why]++
		}
		if b.preps[i] == nil {
			continue
		}
		if err := w.thread(run, e.ID, e.Host, e.Start, b.preps[i]); err != nil {
			return fmt.Errorf("thread exchange %d: %w", e.ID, err)
		}
		st.Threaded++
	}
	if err := w.finish(run); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return tx.Commit()
}
