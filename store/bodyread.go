package store

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Bounds of bodyCache: sequential readers (reindex reads in id order, the UI opens the
// exchanges of one conversation) find the reference of the next body here.
const (
	bodyCacheLen   = 64
	bodyCacheBytes = 8 << 20
)

// bodyCache keeps the last decoded request bodies by exchange id. Its slices are its
// own: callers get copies, so nothing they do to a body reaches another reader.
type bodyCache struct {
	mu    sync.Mutex
	order list.List // of *cachedBody, most recent first
	byID  map[int64]*list.Element
	bytes int
}

type cachedBody struct {
	id   int64
	body []byte
}

func (c *bodyCache) get(id int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cachedBody).body, true
}

// put keeps body (which the cache then owns) as the request body of exchange id.
func (c *bodyCache) put(id int64, body []byte) {
	if len(body) < minRefBody || len(body) > maxRefBody {
		return // never a reference (bodyref.go)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[int64]*list.Element{}
	}
	if _, ok := c.byID[id]; ok {
		return
	}
	c.byID[id] = c.order.PushFront(&cachedBody{id, body})
	c.bytes += len(body)
	for c.order.Len() > bodyCacheLen || c.bytes > bodyCacheBytes {
		old := c.order.Remove(c.order.Back()).(*cachedBody)
		delete(c.byID, old.id)
		c.bytes -= len(old.body)
	}
}

// unpackBodies turns the stored bodies of exchange id back into the captured ones.
func (db *DB) unpackBodies(ctx context.Context, id int64, codec string, ref sql.NullInt64, req, resp *[]byte) error {
	if codec != codecRef {
		var err error
		if *req, err = unpackPlain(codec, *req); err != nil {
			return err
		}
		*resp, err = unpackPlain(codec, *resp)
		return err
	}
	out, err := unzstd(*resp)
	if err != nil {
		return err
	}
	*resp = out
	if !ref.Valid {
		return fmt.Errorf("body codec %q without a reference: %w", codec, errDelta)
	}
	base, err := db.requestBody(ctx, ref.Int64)
	if err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if *req, err = undelta(base, *req); err != nil {
		return fmt.Errorf("request body against exchange %d: %w", ref.Int64, err)
	}
	db.bodies.put(id, append([]byte(nil), *req...))
	return nil
}

func undelta(base, stored []byte) ([]byte, error) {
	delta, err := unzstd(stored)
	if err != nil {
		return nil, err
	}
	return applyDelta(base, delta)
}

// errRefMissing is wrapped when the exchange a request body is rebuilt from is gone.
// It is not ErrNotFound: the exchange asked for exists, and its body is damaged.
var errRefMissing = errors.New("damaged body reference")

// errRefChain is returned for a chain of references longer than any writer makes
// (maxRefChain), which only damage (a cycle) can produce.
var errRefChain = errors.New("request body reference chain too long")

// requestBody returns the captured request body of exchange id, decoding the chain
// of references it is stored against. The result belongs to the cache: read only.
func (db *DB) requestBody(ctx context.Context, id int64) ([]byte, error) {
	type link struct {
		id     int64
		stored []byte
	}
	var chain []link
	var base []byte
	for cur := id; ; {
		if b, ok := db.bodies.get(cur); ok {
			base = b
			break
		}
		if len(chain) > 4*maxRefChain {
			return nil, fmt.Errorf("exchange %d: %w", id, errRefChain)
		}
		var stored []byte
		var codec string
		var ref sql.NullInt64
		err := db.sql.QueryRowContext(ctx, `SELECT `+fullReqBody("e")+`, e.body_codec, e.req_ref FROM exchanges e WHERE e.id = ?`, cur).
			Scan(&stored, &codec, &ref)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("exchange %d is missing: %w", cur, errRefMissing)
		}
		if err != nil {
			return nil, fmt.Errorf("load request body of exchange %d: %w", cur, err)
		}
		if codec == codecRef && !ref.Valid {
			return nil, fmt.Errorf("exchange %d: body codec %q without a reference: %w", cur, codec, errDelta)
		}
		if codec != codecRef {
			if base, err = unpackPlain(codec, stored); err != nil {
				return nil, fmt.Errorf("exchange %d: %w", cur, err)
			}
			db.bodies.put(cur, base)
			break
		}
		chain = append(chain, link{cur, stored})
		cur = ref.Int64
	}
	for i := len(chain) - 1; i >= 0; i-- {
		b, err := undelta(base, chain[i].stored)
		if err != nil {
			return nil, fmt.Errorf("exchange %d: %w", chain[i].id, err)
		}
		db.bodies.put(chain[i].id, b)
		base = b
	}
	return base, nil
}
