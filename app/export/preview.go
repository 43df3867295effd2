package export

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// The export preview says what an export with the dialog's options would write: how
// many records, what it leaves out and why, and the first few records. That means
// checking every conversation the options take, a read from the database each (some
// 35 s at 100,000 conversations on 2 cores). So what it found of each conversation is
// kept under the conversation's revision (store.ExportItem), which changes whenever
// what an export makes of that conversation can change, and a later preview reads
// only what changed since: the one after a bulk confirm, another filter or a few
// edits answers at once. The checks are kept in memory, for the life of the process:
// they cost some 50 bytes a conversation, and a new build may check differently.

// previewKey is what a check depends on besides the conversation.
type previewKey struct {
	format dataset.ExportFormat // either ShareGPT framing is checked as JSONL
	opt    dataset.ShareGPTOptions
}

// checked is what a preview found of one conversation at one revision.
type checked struct {
	revision int64
	written  int      // records it gives (preference pairs: one per pair)
	reasons  []string // why each record it cannot give is left out
	pairs    map[dataset.PairRule]int
	fixes    map[string]int
}

// previewChecks keeps checks by key and conversation. Safe for concurrent previews.
type previewChecks struct {
	mu sync.Mutex
	m  map[previewKey]map[int64]checked
}

// get returns the check of it, if one was made at its revision.
func (p *previewChecks) get(k previewKey, it store.ExportItem) (checked, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.m[k][it.ID]
	return c, ok && c.revision == it.Revision
}

// put keeps c as the check of conversation id, replacing an older one.
func (p *previewChecks) put(k previewKey, id int64, c checked) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[previewKey]map[int64]checked{}
	}
	if p.m[k] == nil {
		p.m[k] = map[int64]checked{}
	}
	p.m[k][id] = c
}

// emitFunc writes one conversation's records to w and the InvalidRecord lines of
// what it cannot give to invalid (nil: only counted), with a writer of its own.
type emitFunc func(w, invalid io.Writer) (dataset.ExportReport, error)

// previewRead reads conversation id for the preview of key's format.
func (s *Service) previewRead(key previewKey) func(ctx context.Context, id int64) (emitFunc, error) {
	spec, _ := dataset.LookupFormat(key.format) // Params.Parse checked it
	probe, _ := newWriters(spec, io.Discard, nil, key.opt)
	read := recordReader(s.cfg.DB, spec, probe.pairTaker() != nil, probe.policy)
	return func(ctx context.Context, id int64) (emitFunc, error) {
		cp, err := read(ctx, id)
		return func(w, invalid io.Writer) (dataset.ExportReport, error) {
			ws, err := newWriters(spec, w, invalid, key.opt)
			if err != nil {
				return dataset.ExportReport{}, err
			}
			if err := ws.write(cp); err != nil {
				return dataset.ExportReport{}, err
			}
			return ws.close()
		}, err
	}
}

// checkConversation reads conversation id with read and writes it nowhere: what it
// gives in read's format, and why what it cannot give is left out.
func checkConversation(ctx context.Context, read func(context.Context, int64) (emitFunc, error), id int64) (emitFunc, checked, error) {
	emit, err := read(ctx, id)
	if err != nil {
		return nil, checked{}, err
	}
	own := &reasonCounter{counts: map[string]int{}}
	rep, err := emit(io.Discard, own)
	if err != nil {
		return nil, checked{}, err
	}
	c := checked{written: rep.Written, pairs: rep.PairsByRule, fixes: rep.Fixes}
	for reason, n := range own.counts {
		for range n {
			c.reasons = append(c.reasons, reason)
		}
	}
	slices.Sort(c.reasons)
	return emit, c, nil
}

// preview previews an export of what filter takes in format. progress, when
// set, is called as WriteDataset calls it.
func (s *Service) preview(ctx context.Context, format dataset.ExportFormat, opt dataset.ShareGPTOptions,
	filter store.ExportFilter, progress func(done, total int)) (Preview, error) {
	if format == dataset.FormatShareGPT {
		format = dataset.FormatShareGPTJSONL // the same records; lines are easier to cut
	}
	key := previewKey{format: format, opt: opt}
	spec, err := dataset.LookupFormat(format)
	if err != nil {
		return Preview{}, err
	}
	format = spec.Format
	items, err := s.cfg.DB.ExportItems(ctx, formatFilter(spec, filter))
	if err != nil {
		return Preview{}, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	ids := make([]int64, len(items))
	byID := make(map[int64]store.ExportItem, len(items))
	for i, it := range items {
		ids[i], byID[it.ID] = it.ID, it
	}

	var preview Preview
	reasons := &reasonCounter{counts: map[string]int{}}
	done := 0
	progress(0, len(ids))
	// count adds a conversation's check to the preview; a fresh one is kept.
	count := func(id int64, c checked, fresh bool) {
		if fresh {
			s.checks.put(key, id, c)
		}
		preview.Valid += c.written
		preview.Invalid += len(c.reasons)
		for fix, n := range c.fixes {
			if preview.Fixes == nil {
				preview.Fixes = map[string]int{}
			}
			preview.Fixes[fix] += n
		}
		for rule, n := range c.pairs {
			if preview.PairsByRule == nil {
				preview.PairsByRule = map[dataset.PairRule]int{}
			}
			preview.PairsByRule[rule] += n
		}
		for _, reason := range c.reasons {
			reasons.counts[reason]++
		}
		done++
		progress(done, len(ids))
	}
	read := s.previewRead(key)
	check := func(ctx context.Context, id int64) (emitFunc, checked, error) {
		emit, c, err := checkConversation(ctx, read, id)
		c.revision = byID[id].Revision
		return emit, c, err
	}

	// One walk, in export order, on several cores. A conversation is read when it has
	// no check at its revision, or, until the sample holds the first records, when it
	// gives records (they are the export's first records, so it is written there).
	type result struct {
		emit  emitFunc // set when read
		check checked
		fresh bool // the check was made now
	}
	first := &firstRecords{max: previewRecords}
	var sampled atomic.Bool
	i := 0
	err = loadInOrder(ctx, ids, func(ctx context.Context, id int64) (result, error) {
		c, kept := s.checks.get(key, byID[id])
		if kept && (c.written == 0 || sampled.Load()) {
			return result{check: c}, nil
		}
		if !kept {
			s.reads.Add(1)
		}
		emit, c, err := check(ctx, id)
		return result{emit: emit, check: c, fresh: !kept}, err
	}, func(r result) error {
		if r.emit != nil && !sampled.Load() {
			if _, err := r.emit(first, nil); err != nil {
				return err
			}
			sampled.Store(len(first.records) >= first.max)
		}
		count(ids[i], r.check, r.fresh)
		i++
		return nil
	})
	if err != nil {
		return Preview{}, err
	}
	preview.Records, preview.Reasons = first.records, reasons.sorted()
	if preview.Records == nil {
		preview.Records = []json.RawMessage{}
	}
	return preview, nil
}
