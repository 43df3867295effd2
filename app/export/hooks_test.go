package export

// Hooks for the external tests of this folder (package export_test), which start
// an app and so cannot be in this package.

import (
	"context"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// PreviewRecords is how many records a preview shows.
const PreviewRecords = previewRecords

// NoPairs and NoRecord are the reasons a conversation gives nothing.
const (
	NoPairs  = noPairs
	NoRecord = noRecord
)

// ConversationPairs is conversationPairs.
func ConversationPairs(ctx context.Context, db *store.DB, id int64, policy dataset.PairPolicy) ([]dataset.PreferencePair, error) {
	return conversationPairs(ctx, db, id, policy)
}

// PreviewReads counts the conversations previews had to check (none kept).
func (s *Service) PreviewReads() int64 { return s.reads.Load() }

// TakeChecks removes every check a preview kept (to preview from scratch) and
// returns the function that puts them back.
func (s *Service) TakeChecks() (restore func()) {
	m := s.checks.take()
	return func() { s.checks.restore(m) }
}

// StartRun registers a run in flight under id, as the export handler does, and
// returns its progress callback and the function that ends it.
func (s *Service) StartRun(id string) (report func(done, total int), end func(), err error) {
	run, end, err := s.runs.start(id)
	if err != nil {
		return nil, nil, err
	}
	return run.report, end, nil
}

// take removes and returns every check (to preview from scratch).
func (p *previewChecks) take() map[previewKey]map[int64]checked {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.m
	p.m = nil
	return m
}

// restore puts back what take returned.
func (p *previewChecks) restore(m map[previewKey]map[int64]checked) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m = m
}
