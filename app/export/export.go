package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/hfdir"
	"github.com/llmtap/llmtap/store"
)

// Options says what to export and where.
type Options struct {
	Format dataset.ExportFormat
	// Out is the file to write. It is replaced only once the export succeeded. A
	// path that ends with a separator, or an existing folder, is a Hugging Face
	// dataset folder (internal/hfdir): Parquet shards, README.md, dataset_info.json.
	Out    string
	Filter store.ExportFilter
	// Record says how conversations become records: where the system prompt goes,
	// what becomes of a greeting before the first user turn, speaker names,
	// reasoning. The zero value is dataset.ShareGPTOptions' defaults. Run sets
	// its Media: images are written beside the dataset, under images/.
	Record dataset.ShareGPTOptions
	// Validation is the fraction of conversations a dataset folder puts in its
	// validation split (0: none).
	Validation float64
	// Progress, when set, is called with how many conversations there are to walk
	// (done 0), then after each conversation with how many were done.
	Progress func(done, total int)
}

// Result says what an export wrote.
type Result struct {
	dataset.ExportReport
	Out string
	// InvalidOut is the file listing records that could not be made valid, with the
	// reason for each; "" when there were none.
	InvalidOut string
	// Sidecars are the files written beside Out that load it in a trainer
	// (dataset.FormatSpec.Sidecars, or a folder's README.md and dataset_info.json);
	// nil for a format without any.
	Sidecars []string
	// Images counts the image files written under images/ beside Out.
	Images int
	// Splits counts the records of each split of a dataset folder.
	Splits map[string]int
}

// IsFolder reports whether out names a dataset folder: it ends with a path
// separator or is an existing folder.
func IsFolder(out string) bool {
	if strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		return true
	}
	st, err := os.Stat(out)
	return err == nil && st.IsDir()
}

// Run writes the conversations the filter takes as a dataset file (or folder,
// IsFolder). Records that cannot be made valid go to Out + ".invalid.jsonl"
// (a folder's invalid.jsonl) with their reason, never dropped silently. It reads a
// consistent snapshot and can run while the proxy captures.
func Run(ctx context.Context, db *store.DB, opt Options) (Result, error) {
	res := Result{Out: opt.Out}
	spec, err := dataset.LookupFormat(opt.Format)
	if err != nil {
		return res, err
	}
	if opt.Out == "" {
		return res, errors.New("no output file given")
	}
	opt.Format = spec.Format
	if IsFolder(opt.Out) {
		return exportFolder(ctx, db, spec, opt)
	}
	if opt.Validation != 0 {
		return res, errors.New("a validation split needs a dataset folder: end --out with /")
	}
	dir := filepath.Dir(opt.Out)
	media := hfdir.NewMediaDir(dir, mediaReader(ctx, db))
	opt.Record.Media = media
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

	report, walkErr := WriteDataset(ctx, db, opt.Format, opt.Filter, opt.Record, out, invalid, opt.Progress)
	res.ExportReport, res.Images = report, media.Files()
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

// exportFolder is Run to a Hugging Face dataset folder.
func exportFolder(ctx context.Context, db *store.DB, spec dataset.FormatSpec, opt Options) (Result, error) {
	dir := filepath.Clean(opt.Out)
	res := Result{Out: dir}
	folder, err := hfdir.New(dir, spec, opt.Validation)
	if err != nil {
		return res, err
	}
	media := hfdir.NewMediaDir(dir, mediaReader(ctx, db))
	opt.Record.Media = media
	invalid, err := os.CreateTemp(dir, ".llmtap-invalid-*")
	if err != nil {
		return res, fmt.Errorf("create export in %q: %w", dir, err)
	}
	defer os.Remove(invalid.Name())
	ids, err := db.ExportIDs(ctx, formatFilter(spec, opt.Filter))
	if err == nil {
		var w writers
		if w, err = newSinkWriters(spec, folder, invalid, opt.Record); err == nil {
			res.ExportReport, err = walkRecords(ctx, db, spec, ids, w, opt.Progress)
		}
	}
	res.Images = media.Files()
	if err = errors.Join(err, invalid.Close()); err != nil {
		folder.Abort()
		return res, fmt.Errorf("export to %q: %w", dir, err)
	}
	written, err := folder.Close(res.ExportReport)
	if err != nil {
		return res, fmt.Errorf("export to %q: %w", dir, err)
	}
	res.Splits = written.Rows
	for _, f := range written.Files {
		if !strings.HasPrefix(f, "data/") {
			res.Sidecars = append(res.Sidecars, filepath.Join(dir, filepath.FromSlash(f)))
		}
	}
	invalidOut := filepath.Join(dir, "invalid.jsonl")
	if res.Invalid == 0 && len(res.Fixes) == 0 {
		os.Remove(invalidOut)
		return res, nil
	}
	if err := os.Rename(invalid.Name(), invalidOut); err != nil {
		return res, fmt.Errorf("write invalid records to %q: %w", invalidOut, err)
	}
	res.InvalidOut = invalidOut
	return res, nil
}

// mediaReader reads stored media by hash for an export's images.
func mediaReader(ctx context.Context, db *store.DB) func(string) (string, []byte, error) {
	return func(hash string) (string, []byte, error) { return db.Media(ctx, hash) }
}

// publishFile puts the complete, closed temporary file tmp at path (replacing what is
// there) in one rename, so nobody sees half a dataset. It stays as CreateTemp made it,
// readable by its owner only: a dataset holds the same conversations as the database
// (issue 11), and whoever shares it can loosen its mode.
func publishFile(tmp, path string) error {
	return os.Rename(tmp, path)
}

// formatFilter is f as an export in the format of spec takes it: a format that
// labels rejected conversations (KTO) takes every status when f names none.
func formatFilter(spec dataset.FormatSpec, f store.ExportFilter) store.ExportFilter {
	if spec.AllStatuses && len(f.Statuses) == 0 && f.List.Status == "" {
		f.Statuses = []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed, dataset.StatusRejected}
	}
	return f
}

// WriteDataset writes the records of everything the filter takes in format to w,
// and the InvalidRecord lines of what cannot be exported to invalid (nil: only
// counted), and returns the writer's report. progress, when set, is called with the number of
// conversations to walk (done 0), then after each conversation.
func WriteDataset(ctx context.Context, db *store.DB, format dataset.ExportFormat, filter store.ExportFilter,
	opt dataset.ShareGPTOptions, w, invalid io.Writer, progress func(done, total int)) (dataset.ExportReport, error) {
	spec, err := dataset.LookupFormat(format)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	ids, err := db.ExportIDs(ctx, formatFilter(spec, filter))
	if err != nil {
		return dataset.ExportReport{}, err
	}
	return WriteRecords(ctx, db, format, ids, opt, w, invalid, progress)
}

// writers are the writer of an export: of conversations (a RepairWriter, which
// for KTO takes their pairs too) or of preference pairs, and the pairs written by
// rule.
type writers struct {
	conv   *dataset.RepairWriter
	pairs  dataset.PairWriter
	policy dataset.PairPolicy
	byRule map[dataset.PairRule]int
}

// newWriters returns the writers of spec to w; a conversation the format refuses
// is repaired or cut (dataset.RepairWriter) before it is left out.
func newWriters(spec dataset.FormatSpec, w, invalid io.Writer, opt dataset.ShareGPTOptions) (ws writers, err error) {
	ws = writers{policy: opt.Pairs, byRule: map[dataset.PairRule]int{}}
	if spec.Pairs {
		ws.pairs, err = dataset.NewPairWriter(spec.Format, w, invalid, opt)
	} else {
		ws.conv, err = dataset.NewRepairWriter(spec.Format, w, invalid, opt)
	}
	return ws.reviewedPairs(), err
}

func newSinkWriters(spec dataset.FormatSpec, sink dataset.RecordSink, invalid io.Writer, opt dataset.ShareGPTOptions) (ws writers, err error) {
	ws = writers{policy: opt.Pairs, byRule: map[dataset.PairRule]int{}}
	if spec.Pairs {
		ws.pairs, err = dataset.NewPairSinkWriter(spec.Format, sink, invalid, opt)
	} else {
		ws.conv, err = dataset.NewRepairSinkWriter(spec.Format, sink, invalid, opt)
	}
	return ws.reviewedPairs(), err
}

// reviewedPairs is ws reading only the pairs a reviewer marked when its writer of
// conversations takes pairs: KTO, the only PairTaker, makes examples of no others
// (dataset.KTOTakes), and the others cost most of a KTO export to read.
func (ws writers) reviewedPairs() writers {
	if ws.pairTaker() != nil {
		ws.policy = dataset.PairsReviewed
	}
	return ws
}

// pairTaker is the writer of conversations as a PairTaker (KTO), or nil.
func (ws writers) pairTaker() dataset.PairTaker {
	if ws.conv == nil {
		return nil
	}
	return ws.conv.Pairs()
}

// WriteRecords writes the records of the conversations ids, in that order, as
// WriteDataset does. On an error the writer is left unclosed, so w never ends like a
// whole file (a download then breaks its connection).
func WriteRecords(ctx context.Context, db *store.DB, format dataset.ExportFormat, ids []int64,
	opt dataset.ShareGPTOptions, w, invalid io.Writer, progress func(done, total int)) (dataset.ExportReport, error) {
	spec, err := dataset.LookupFormat(format)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	ws, err := newWriters(spec, w, invalid, opt)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	return walkRecords(ctx, db, spec, ids, ws, progress)
}

// conversationAndPairs is what an export reads of one conversation: the records
// of its paths (store.DB.ExportRecords: several for a conversation whose paths
// part, or a group chat), and the pairs the writer takes.
type conversationAndPairs struct {
	records []dataset.Conversation // unset for a format of pairs, or when prepared
	// prepared are the records converted ahead by the RepairWriter's Prepare.
	prepared []dataset.Prepared
	pairs    []dataset.PreferencePair
}

// walkRecords reads the conversations ids (and what else the writer takes) on
// several goroutines and gives them to ws in order, then closes it.
func walkRecords(ctx context.Context, db *store.DB, spec dataset.FormatSpec, ids []int64, ws writers,
	progress func(done, total int)) (dataset.ExportReport, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, len(ids))
	done := 0
	step := func() {
		done++
		progress(done, len(ids))
	}
	// Conversations are read BatchSize at a time (store.ExportRecordsBatch),
	// batches on several goroutines, converted there (RepairWriter.Prepare), and
	// written in order.
	withPairs := ws.pairTaker() != nil
	blobs := store.NewBlobCache()
	starts := make([]int64, 0, len(ids)/BatchSize+1)
	for i := 0; i < len(ids); i += BatchSize {
		starts = append(starts, int64(i))
	}
	err := loadInOrder(ctx, starts, func(ctx context.Context, start int64) ([]conversationAndPairs, error) {
		batch := ids[start:min(int(start)+BatchSize, len(ids))]
		out := make([]conversationAndPairs, len(batch))
		var paired map[int64]bool // the conversations that can have pairs
		if spec.Pairs || withPairs {
			var err error
			if paired, err = db.PairConversations(ctx, batch, ws.policy); err != nil {
				return nil, err
			}
		}
		if spec.Pairs {
			pairs, err := batchPairs(ctx, db, batch, paired, ws.policy, blobs)
			for i := range out {
				out[i].pairs = pairs[i]
			}
			return out, err
		}
		recs, err := db.ExportRecordsBatch(ctx, batch, spec.Masks, blobs)
		if err != nil {
			return nil, err
		}
		for i, cs := range recs {
			out[i].prepared = make([]dataset.Prepared, len(cs))
			for j, c := range cs { // converted here, on the loader's goroutine
				out[i].prepared[j] = ws.conv.Prepare(c)
			}
		}
		if withPairs {
			pairs, err := batchPairs(ctx, db, batch, paired, ws.policy, blobs)
			for i := range out {
				out[i].pairs = pairs[i]
			}
			return out, err
		}
		return out, nil
	}, func(batch []conversationAndPairs) error {
		for _, cp := range batch {
			if err := ws.write(cp); err != nil {
				return err
			}
			step()
		}
		return nil
	})
	if err != nil {
		return dataset.ExportReport{}, err
	}
	return ws.close()
}

// BatchSize is how many conversations an export reads at once (store.ExportRecordsBatch).
const BatchSize = 128

// recordReader is how an export in the format of spec reads one conversation: its
// pairs (a format of pairs), or its records and, withPairs (KTO), its pairs too.
// policy says which pairs it takes.
func recordReader(db *store.DB, spec dataset.FormatSpec, withPairs bool, policy dataset.PairPolicy) func(context.Context, int64) (conversationAndPairs, error) {
	if spec.Pairs {
		return func(ctx context.Context, id int64) (conversationAndPairs, error) {
			pairs, err := conversationPairs(ctx, db, id, policy)
			return conversationAndPairs{pairs: pairs}, err
		}
	}
	load := conversationLoader(db, spec)
	return func(ctx context.Context, id int64) (conversationAndPairs, error) {
		cs, err := load(ctx, id)
		if err != nil || !withPairs {
			return conversationAndPairs{records: cs}, err
		}
		pairs, err := conversationPairs(ctx, db, id, policy)
		return conversationAndPairs{records: cs, pairs: pairs}, err
	}
}

// write gives cp to the writer.
func (ws writers) write(cp conversationAndPairs) error {
	if ws.pairs != nil {
		for _, p := range cp.pairs {
			if err := ws.pairs.Write(p); err != nil {
				return err
			}
			ws.byRule[p.Rule]++
		}
		return nil
	}
	for _, p := range cp.prepared {
		if err := ws.conv.WritePrepared(p); err != nil {
			return err
		}
	}
	for _, c := range cp.records {
		if err := ws.conv.Write(c); err != nil {
			return err
		}
	}
	if taker := ws.pairTaker(); taker != nil {
		for _, p := range cp.pairs {
			if err := taker.WritePair(p); err != nil {
				return err
			}
			if dataset.KTOTakes(p.Rule) { // KTO, the only PairTaker
				ws.byRule[p.Rule]++
			}
		}
	}
	return nil
}

// close closes the writer and returns its report, with the pairs by rule of a
// writer that takes pairs.
func (ws writers) close() (dataset.ExportReport, error) {
	if ws.pairs != nil {
		r, err := ws.pairs.Close()
		r.PairsByRule = ws.byRule
		return r, err
	}
	r, err := ws.conv.Close()
	if ws.pairTaker() != nil {
		r.PairsByRule = ws.byRule
	}
	return r, err
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

// batchPairs reads the pairs of the conversations of batch that paired holds
// (store.DB.PairsBatch), by position in batch; the others have none.
func batchPairs(ctx context.Context, db *store.DB, batch []int64, paired map[int64]bool, policy dataset.PairPolicy,
	blobs *store.BlobCache) ([][]dataset.PreferencePair, error) {
	out := make([][]dataset.PreferencePair, len(batch))
	var ids []int64
	var at []int
	for i, id := range batch {
		if paired[id] {
			ids, at = append(ids, id), append(at, i)
		}
	}
	pairs, err := db.PairsBatch(ctx, ids, policy, blobs)
	if err != nil {
		return out, err
	}
	for j, i := range at {
		out[i] = pairs[j]
	}
	return out, nil
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
