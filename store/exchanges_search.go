package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// MaxBodySearch is how many exchanges, newest first among those the other filters
// keep, a search in bodies reads (ExchangeListOptions.InBodies): the bodies are
// stored compressed, so each is decoded to be searched.
const MaxBodySearch = 2000

// bodySearchChunk is how many rows are read before they are decoded: the request
// bodies' references are read with queries of their own, never while rows are open.
const bodySearchChunk = 200

type bodyCandidate struct {
	id                         int64
	url, model, errText, parse string
	codec                      string
	ref                        sql.NullInt64
	req, resp                  []byte
}

// matches reports whether c holds needle (lowercase) in its URL, model, errors or
// decoded bodies, ASCII letters compared without case.
func (db *DB) bodyMatches(ctx context.Context, c *bodyCandidate, needle []byte) (bool, error) {
	for _, s := range []string{c.url, c.model, c.errText, c.parse} {
		if strings.Contains(strings.ToLower(s), string(needle)) {
			return true, nil
		}
	}
	if err := db.unpackBodies(ctx, c.id, c.codec, c.ref, &c.req, &c.resp); err != nil {
		return false, fmt.Errorf("search exchange %d: %w", c.id, err)
	}
	return containsFold(c.req, needle) || containsFold(c.resp, needle), nil
}

// containsFold reports whether b holds needle (lowercase), ignoring ASCII case.
func containsFold(b, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	for i := 0; i+len(needle) <= len(b); {
		j := bytes.IndexByte(b[i:], needle[0])
		if k := bytes.IndexByte(b[i:], upper(needle[0])); k >= 0 && (j < 0 || k < j) {
			j = k
		}
		if j < 0 || i+j+len(needle) > len(b) {
			return false
		}
		if bytes.EqualFold(b[i+j:i+j+len(needle)], needle) {
			return true
		}
		i += j + 1
	}
	return false
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// searchBodies returns the IDs, newest first, of the exchanges matching where
// (with args) whose text fields or bodies hold text, among the newest
// MaxBodySearch, and whether the scan stopped at that limit.
func (db *DB) searchBodies(ctx context.Context, where string, args []any, text string) (ids []int64, partial bool, err error) {
	needle := []byte(strings.ToLower(text))
	last := int64(1<<63 - 1)
	scanned := 0
	for scanned < MaxBodySearch {
		cond := "id < ?"
		if where != "" {
			cond = strings.TrimPrefix(where, "WHERE ") + " AND id < ?"
		}
		n := min(bodySearchChunk, MaxBodySearch-scanned)
		rows, err := db.sql.QueryContext(ctx, `SELECT id, url, model, error, parse_error, body_codec, req_ref, `+fullReqBody("exchanges")+`, resp_body
			FROM exchanges WHERE `+cond+` ORDER BY id DESC LIMIT ?`, append(append([]any(nil), args...), last, n)...)
		if err != nil {
			return nil, false, fmt.Errorf("search exchanges: %w", err)
		}
		var chunk []bodyCandidate
		for rows.Next() {
			var c bodyCandidate
			if err := rows.Scan(&c.id, &c.url, &c.model, &c.errText, &c.parse, &c.codec, &c.ref, &c.req, &c.resp); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("search exchanges: %w", err)
			}
			chunk = append(chunk, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, false, fmt.Errorf("search exchanges: %w", err)
		}
		for i := range chunk {
			ok, err := db.bodyMatches(ctx, &chunk[i], needle)
			if err != nil {
				return nil, false, err
			}
			if ok {
				ids = append(ids, chunk[i].id)
			}
		}
		scanned += len(chunk)
		if len(chunk) < n {
			return ids, false, nil
		}
		last = chunk[len(chunk)-1].id
	}
	return ids, true, nil
}
