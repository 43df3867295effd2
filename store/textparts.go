package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/llmtap/llmtap/internal/zpool"
)

const (
	// partsFrom is the length from which a message text is stored in parts
	// (migration 0020): SQLite copies a value it writes twice in C (its binding and
	// the row's record), which for a 30 MB pasted text was 60 MB beside the Go heap.
	partsFrom = 4 << 20
	// partSize is the length of each part: small enough that SQLite's copies of one
	// come from the C heap's arenas and are reused (app.cMmapAbove), big enough that a
	// 30 MB text is 30 statements.
	partSize = 1 << 20
)

// splitText cuts a text of partsFrom bytes or more into parts of about partSize
// bytes, each ending on a character boundary: head is stored in messages.content,
// rest in message_text_parts. A shorter text is its own head, with no rest. The
// parts share s's memory.
func splitText(s string) (head string, rest []string) {
	if len(s) < partsFrom {
		return s, nil
	}
	var parts []string
	for len(s) > 0 {
		n := len(s)
		if n > partSize {
			// Cut at the start of a character, at most 3 bytes back for valid UTF-8
			// (invalid bytes are cut where they fall: the parts join back byte for byte).
			n = partSize
			for i := n; i > n-utf8.UTFMax; i-- {
				if utf8.RuneStart(s[i]) {
					n = i
					break
				}
			}
		}
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return parts[0], parts[1:]
}

// insertTextParts stores the parts of message id's text after its head, one
// statement each, so SQLite holds one part at a time.
func insertTextParts(ctx context.Context, tx *sql.Tx, id int64, rest []string) error {
	for i, p := range rest {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_text_parts (message_id, part, text) VALUES (?, ?, ?)`,
			id, i+1, p); err != nil {
			return fmt.Errorf("store part %d of %d of message %d: %w", i+1, len(rest), id, err)
		}
	}
	return nil
}

// splitBody cuts a stored body of partsFrom bytes or more into parts of partSize
// bytes, as splitText does a text but anywhere: head is stored in exchanges.req_body,
// rest in exchange_body_parts. The parts share b's memory.
func splitBody(b []byte) (head []byte, rest [][]byte) {
	if len(b) < partsFrom {
		return b, nil
	}
	head, b = b[:partSize], b[partSize:]
	for len(b) > 0 {
		n := min(partSize, len(b))
		rest, b = append(rest, b[:n]), b[n:]
	}
	return head, rest
}

// storedBody cuts a request body to be stored, given as its bytes or (frame not
// nil) as the capture log's frame of it, as splitBody cuts it: the head, the number
// of parts after it, and part, which returns part i (from 0). A frame in a file is
// read a part at a time, into one buffer used again for each (SQLite copies what
// it binds), so a 9 MB frame is never held in memory whole.
func storedBody(b []byte, frame *zpool.Frame) (head []byte, n int, part func(i int) ([]byte, error), err error) {
	if frame != nil && (frame.File() == nil || frame.Size() < partsFrom) {
		if b, err = frame.Bytes(); err != nil {
			return nil, 0, nil, err
		}
		frame = nil
	}
	if frame == nil {
		head, rest := splitBody(b)
		return head, len(rest), func(i int) ([]byte, error) { return rest[i], nil }, nil
	}
	f, size := frame.File(), frame.Size()
	head = make([]byte, partSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, 0, nil, fmt.Errorf("read the request body's frame: %w", err)
	}
	buf := make([]byte, partSize)
	return head, int((size - 1) / partSize), func(i int) ([]byte, error) {
		off := int64(i+1) * partSize
		p := buf[:min(partSize, size-off)]
		if _, err := f.ReadAt(p, off); err != nil {
			return nil, fmt.Errorf("read the request body's frame: %w", err)
		}
		return p, nil
	}, nil
}

// insertBodyParts stores the n parts of exchange id's request body after its head,
// one statement each.
func insertBodyParts(ctx context.Context, tx *sql.Tx, id int64, n int, part func(i int) ([]byte, error)) error {
	for i := range n {
		p, err := part(i)
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO exchange_body_parts (exchange_id, part, data) VALUES (?, ?, ?)`, id, i+1, p)
		}
		if err != nil {
			return fmt.Errorf("store part %d of %d of the request body of exchange %d: %w", i+1, n, id, err)
		}
	}
	return nil
}

// wholeText is the text of message id, stored as head and the given number of parts
// after it, joined in Go: SQLite holds one part at a time, and the text is built at
// its size once. It reads on a connection of its own, so a caller may still be
// reading rows; a message's parts are written with it and never change.
func (db *DB) wholeText(ctx context.Context, id int64, head string, parts int) (string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT text FROM message_text_parts WHERE message_id = ? ORDER BY part`, id)
	if err != nil {
		return "", fmt.Errorf("read the parts of message %d: %w", id, err)
	}
	defer rows.Close()
	var b strings.Builder
	b.Grow(len(head) + parts*partSize)
	b.WriteString(head)
	n := 0
	for rows.Next() {
		var p sql.RawBytes
		if err := rows.Scan(&p); err != nil {
			return "", fmt.Errorf("read the parts of message %d: %w", id, err)
		}
		b.Write(p)
		n++
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("read the parts of message %d: %w", id, err)
	}
	if n != parts {
		return "", fmt.Errorf("message %d has %d parts stored, want %d", id, n, parts)
	}
	return b.String(), nil
}

// The expressions below are for readers that take a whole text or body in SQL
// (threading's comparisons, edits, the exchange view, reindex); the paths the
// conversation view and exports read join message texts in Go (wholeText), at half
// the memory. They join a head and its parts with one group_concat over a
// compound subquery ordered by part. Each arm comes in that order (a single row, and
// the parts' primary key), so SQLite merges them as they come, with no sort: an
// aggregate's own ORDER BY (group_concat(x, '' ORDER BY part)) copied every part into
// a sorter first, and head || (…) made one more copy, three copies of a 30 MB text in
// C to read it. The aggregate takes the rows in the subquery's order: SQLite does not
// flatten a subquery with ORDER BY into an aggregate query (TestBigTextRoundTrip and
// TestBigBodyInParts would see parts out of order).

// fullReqBody is the SQL expression of the whole stored request body of the
// exchange that alias names (a blob, byte for byte).
func fullReqBody(alias string) string {
	return `CASE WHEN ` + alias + `.req_parts = 0 THEN ` + alias + `.req_body ELSE CAST((SELECT group_concat(d, x'') FROM
		(SELECT 0 AS part, ` + alias + `.req_body AS d UNION ALL
		 SELECT part, data FROM exchange_body_parts WHERE exchange_id = ` + alias + `.id ORDER BY part)) AS BLOB) END`
}

// fullContent is the SQL expression of the whole text of the message that alias
// names: its content, and the parts after it when it was stored in parts, or its
// answer read from its exchange's response when it was stored once (answertext.go).
func fullContent(alias string) string {
	return `CASE WHEN ` + alias + `.content_parts = 0 THEN ` + alias + `.content
		WHEN ` + alias + `.content_parts < 0 THEN (SELECT ` + answerTextFunc + `(e.body_codec, e.resp_body, e.dialect,
			` + alias + `.content_answer, ` + alias + `.content_len, ` + alias + `.content_crc) FROM exchanges e WHERE e.id = ` + alias + `.exchange_id)
		ELSE (SELECT group_concat(t, '') FROM
		(SELECT 0 AS part, ` + alias + `.content AS t UNION ALL
		 SELECT part, text FROM message_text_parts WHERE message_id = ` + alias + `.id ORDER BY part)) END`
}
