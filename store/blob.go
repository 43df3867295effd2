package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/llmtap/llmtap/dataset"
)

// putBlob stores data once under its hex SHA-256 and returns the hash; "" for no data.
// Agents resend the same system prompt and tool list with every request, so keeping
// them content-addressed turns thousands of copies into one row.
func putBlob(ctx context.Context, tx *sql.Tx, data []byte) (string, error) {
	if len(data) == 0 {
		return "", nil
	}
	hash := blobHash(data)
	return hash, putBlobAs(ctx, tx, hash, data)
}

// putBlobAs stores data under hash, its blobHash worked out before.
func putBlobAs(ctx context.Context, tx *sql.Tx, hash string, data []byte) error {
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO blobs (hash, data, size) VALUES (?, ?, ?)`,
		hash, data, len(data)); err != nil {
		return fmt.Errorf("store blob %s: %w", hash, err)
	}
	return nil
}

// putPrelude stores a conversation's prelude (system prompt, example dialogue) as a
// JSON blob, its media moved to the media table first; "" when there is none.
func putPrelude(ctx context.Context, tx *sql.Tx, prelude []dataset.Message) (string, error) {
	if len(prelude) == 0 {
		return "", nil
	}
	msgs := make([]dataset.Message, len(prelude))
	for i, m := range prelude {
		refs, err := putMedia(ctx, tx, m.Media)
		if err != nil {
			return "", err
		}
		m.Media = refs
		msgs[i] = m
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return "", fmt.Errorf("encode prelude: %w", err)
	}
	return putBlob(ctx, tx, b)
}

// putMedia stores the inline bytes of each media item once by content hash and
// returns the items as references: Data cleared, Hash set. The input is not modified.
func putMedia(ctx context.Context, tx *sql.Tx, media []dataset.Media) ([]dataset.Media, error) {
	if len(media) == 0 {
		return nil, nil
	}
	refs := make([]dataset.Media, len(media))
	for i, md := range media {
		if len(md.Data) > 0 {
			md.Hash = dataset.MediaHash(md.Data)
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO media (hash, mime, data, size) VALUES (?, ?, ?, ?)`,
				md.Hash, md.MIME, md.Data, len(md.Data)); err != nil {
				return nil, fmt.Errorf("store media %s: %w", md.Hash, err)
			}
			md.Data = nil
		}
		refs[i] = md
	}
	return refs, nil
}

// Media returns the MIME type and bytes of the media stored under hash (a hex
// SHA-256, as in dataset.Media.Hash), or an error wrapping ErrNotFound.
func (db *DB) Media(ctx context.Context, hash string) (mime string, data []byte, err error) {
	err = db.sql.QueryRowContext(ctx, `SELECT mime, data FROM media WHERE hash = ?`, hash).Scan(&mime, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("media %q: %w", hash, ErrNotFound)
	}
	if err != nil {
		return "", nil, fmt.Errorf("load media %q: %w", hash, err)
	}
	return mime, data, nil
}

// blob returns the data stored under hash; "" gives nil.
func blob(ctx context.Context, q querier, hash string) ([]byte, error) {
	if hash == "" {
		return nil, nil
	}
	var data []byte
	err := q.QueryRowContext(ctx, `SELECT data FROM blobs WHERE hash = ?`, hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blob %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load blob %s: %w", hash, err)
	}
	return data, nil
}

// querier is what *sql.DB and *sql.Tx share for reads.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
