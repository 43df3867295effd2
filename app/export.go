package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// ExportOptions says what to export and where.
type ExportOptions struct {
	Format dataset.ExportFormat
	// Out is the file to write. It is replaced only once the export succeeded.
	Out    string
	Filter store.ExportFilter
	// Record says how conversations become records: where the system prompt goes,
	// what becomes of a greeting before the first user turn, speaker names. The zero
	// value is dataset.ShareGPTOptions' defaults.
	Record dataset.ShareGPTOptions
	// Progress, when set, is called with how many conversations there are to walk
	// (done 0), then after each conversation with how many were done.
	Progress func(done, total int)
}

// ExportResult says what an export wrote.
type ExportResult struct {
	dataset.ExportReport
	Out string
	// InvalidOut is the file listing records that could not be made valid, with the
	// reason for each; "" when there were none.
	InvalidOut string
	// Sidecars are the files written beside Out that load it in a trainer
	// (dataset.FormatSpec.Sidecars); nil for a format without any.
	Sidecars []string
}

// Export writes the conversations the filter takes as a dataset file. Records that
// cannot be made valid go to Out + ".invalid.jsonl" with their reason, never dropped
// silently. It reads a consistent snapshot and can run while the proxy captures.
func Export(ctx context.Context, db *store.DB, opt ExportOptions) (ExportResult, error) {
	res := ExportResult{Out: opt.Out}
	spec, err := dataset.LookupFormat(opt.Format)
	if err != nil {
		return res, err
	}
	if opt.Out == "" {
		return res, errors.New("no output file given")
	}
	dir := filepath.Dir(opt.Out)
	out, err := os.CreateTemp(dir, ".llmtap-export-*")
	if err != nil {
		return res, fmt.Errorf("create export in %q: %w", dir, err)
	}
	defer os.Remove(out.Name()) // a no-op once renamed
	invalid, err := os.CreateTemp(dir, ".llmtap-invalid-*")
	if err != nil {
		out.Close()
		return res, fmt.Errorf("create export in %q: %w", dir, err)
	}
	defer os.Remove(invalid.Name())

	report, walkErr := writeDataset(ctx, db, opt.Format, opt.Filter, opt.Record, out, invalid, opt.Progress)
	res.ExportReport = report
	if err := errors.Join(walkErr, out.Close(), invalid.Close()); err != nil {
		return res, fmt.Errorf("export to %q: %w", opt.Out, err)
	}
	if err := publishFile(out.Name(), opt.Out); err != nil {
		return res, fmt.Errorf("export to %q: %w", opt.Out, err)
	}
	if res.Sidecars, err = writeSidecars(spec, opt.Out); err != nil {
		return res, err
	}
	invalidOut := opt.Out + ".invalid.jsonl"
	if report.Invalid == 0 && len(report.Fixes) == 0 {
		os.Remove(invalidOut) // an old list from an earlier run would mislead
		return res, nil
	}
	if err := os.Rename(invalid.Name(), invalidOut); err != nil {
		return res, fmt.Errorf("write invalid records to %q: %w", invalidOut, err)
	}
	res.InvalidOut = invalidOut
	return res, nil
}

// publishFile puts the complete, closed temporary file tmp at path (replacing what is
// there) in one rename, so nobody sees half a dataset. It stays as CreateTemp made it,
// readable by its owner only: a dataset holds the same conversations as the database
// (issue 11), and whoever shares it can loosen its mode.
func publishFile(tmp, path string) error {
	return os.Rename(tmp, path)
}

// writeDataset writes the records of everything the filter takes in format to w,
// and the InvalidRecord lines of what cannot be exported to invalid, and returns
// the writer's report. progress, when set, is called with the number of
// conversations to walk (done 0), then after each conversation.
func writeDataset(ctx context.Context, db *store.DB, format dataset.ExportFormat, filter store.ExportFilter,
	opt dataset.ShareGPTOptions, w, invalid io.Writer, progress func(done, total int)) (dataset.ExportReport, error) {
	ids, err := db.ExportIDs(ctx, filter)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	return writeRecords(ctx, db, format, ids, opt, w, invalid, progress)
}

// writeRecords writes the records of the conversations ids, in that order, as
// writeDataset does. On an error the writer is left unclosed, so w never ends like a
// whole file (a download then breaks its connection).
func writeRecords(ctx context.Context, db *store.DB, format dataset.ExportFormat, ids []int64,
	opt dataset.ShareGPTOptions, w, invalid io.Writer, progress func(done, total int)) (dataset.ExportReport, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, len(ids))
	done := 0
	step := func() {
		done++
		progress(done, len(ids))
	}
	spec, err := dataset.LookupFormat(format)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	var walkErr error
	var closeWriter func() (dataset.ExportReport, error)
	if spec.Pairs {
		pw := dataset.NewPreferenceWriter(w, invalid, opt)
		byRule := map[dataset.PairRule]int{}
		closeWriter = func() (dataset.ExportReport, error) {
			r, err := pw.Close()
			r.PairsByRule = byRule
			return r, err
		}
		walkErr = loadInOrder(ctx, ids, func(ctx context.Context, id int64) ([]dataset.PreferencePair, error) {
			return conversationPairs(ctx, db, id, opt.Pairs)
		}, func(pairs []dataset.PreferencePair) error {
			for _, p := range pairs {
				if err := pw.Write(p); err != nil {
					return err
				}
				byRule[p.Rule]++
			}
			step()
			return nil
		})
	} else {
		sw, err := dataset.NewRepairWriter(format, w, invalid, opt)
		if err != nil {
			return dataset.ExportReport{}, err
		}
		closeWriter = sw.Close
		walkErr = loadInOrder(ctx, ids, conversationLoader(db, spec), func(cs []dataset.Conversation) error {
			for _, c := range cs {
				if err := sw.Write(c); err != nil {
					return err
				}
			}
			step()
			return nil
		})
	}
	if walkErr != nil {
		return dataset.ExportReport{}, walkErr
	}
	return closeWriter()
}

// conversationLoader is how an export in the format of spec reads a conversation:
// the records of its paths (store.DB.ExportRecords); a format that can weight a
// turn keeps the rounds marked "don't train".
func conversationLoader(db *store.DB, spec dataset.FormatSpec) func(context.Context, int64) ([]dataset.Conversation, error) {
	if spec.Masks {
		return db.ExportRecordsMasked
	}
	return db.ExportRecords
}

// writeSidecars writes the files of spec.Sidecars beside the dataset file out and
// returns their paths. Each replaces what is there in one rename, as the dataset does.
func writeSidecars(spec dataset.FormatSpec, out string) ([]string, error) {
	if spec.Sidecars == nil {
		return nil, nil
	}
	var paths []string
	for _, sc := range spec.Sidecars(filepath.Base(out)) {
		path := out + sc.Suffix
		tmp, err := os.CreateTemp(filepath.Dir(out), ".llmtap-sidecar-*")
		if err != nil {
			return paths, fmt.Errorf("write %q: %w", path, err)
		}
		_, err = tmp.Write(sc.Data)
		if err = errors.Join(err, tmp.Close()); err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return paths, fmt.Errorf("write %q: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// conversationPairs reads the preference pairs of conversation id that policy takes.
func conversationPairs(ctx context.Context, db *store.DB, id int64, policy dataset.PairPolicy) ([]dataset.PreferencePair, error) {
	var pairs []dataset.PreferencePair
	err := db.Pairs(ctx, id, policy, func(p dataset.PreferencePair) error { pairs = append(pairs, p); return nil })
	return pairs, err
}

// loadWorkers is how many conversations an export reads at once. Reading one is a
// handful of small queries (~0.7 ms), CPU in SQLite more than disk, so the reads
// scale with cores while the writer stays one goroutine, in order.
var loadWorkers = min(runtime.NumCPU(), 8)

// loadInOrder calls load for each id on up to loadWorkers goroutines, at most a
// window ahead of the consumer, and use with the results in the order of ids. The
// first error (from load, use or ctx) stops the walk and is returned, once no load
// runs any more (the caller may close what load reads).
func loadInOrder[T any](ctx context.Context, ids []int64, load func(context.Context, int64) (T, error), use func(T) error) error {
	type result struct {
		v   T
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	var loads sync.WaitGroup
	defer loads.Wait()
	defer cancel()                                 // first: the loads still running stop
	order := make(chan chan result, 4*loadWorkers) // the window: loads started, in id order
	sem := make(chan struct{}, loadWorkers)
	loads.Add(1)
	go func() {
		defer loads.Done()
		defer close(order)
		for _, id := range ids {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			ch := make(chan result, 1)
			loads.Add(1)
			go func() {
				defer loads.Done()
				defer func() { <-sem }()
				v, err := load(ctx, id)
				ch <- result{v, err}
			}()
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
		}
	}()
	for ch := range order {
		r := <-ch
		if r.err != nil {
			return r.err
		}
		if err := use(r.v); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ctx.Err()
}
