package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llmtap/llmtap/gateway/cache"
	"github.com/llmtap/llmtap/store"
)

// cacheStore is the database's response cache as the gateway's cache.Store: the
// gateway never imports store, and store imports no net/http, so the entry is
// copied between their two shapes here.
type cacheStore struct {
	db       *store.DB
	maxBytes func() int64
}

// newCacheStore returns db's response cache capped at maxBytes() (read at each
// write; 0 → 512 MiB) as a cache.Store, for the gateway's cache.Recorder and lookups.
func newCacheStore(db *store.DB, maxBytes func() int64) cache.Store {
	return cacheStore{db, maxBytes}
}

func (s cacheStore) c() *store.ResponseCache { return s.db.ResponseCache(s.maxBytes()) }

func (s cacheStore) Get(ctx context.Context, key string, now time.Time) (*cache.Entry, bool, error) {
	r, ok, err := s.c().Get(ctx, key, now)
	if !ok || err != nil {
		return nil, false, err
	}
	return &cache.Entry{Status: r.Status, Header: r.Header, Body: r.Body, Chunks: r.Chunks,
		Stream: r.Stream, Created: r.Created}, true, nil
}

func (s cacheStore) Put(ctx context.Context, key string, e *cache.Entry, ttl time.Duration) error {
	err := s.c().Put(ctx, key, &store.CachedResponse{Status: e.Status, Header: e.Header, Body: e.Body,
		Chunks: e.Chunks, Stream: e.Stream, Created: e.Created}, ttl)
	if errors.Is(err, store.ErrTooLarge) {
		return fmt.Errorf("%w: %w", cache.ErrTooLarge, err)
	}
	return err
}
