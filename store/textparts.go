package store

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"
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

// insertBodyParts stores the parts of exchange id's request body after its head,
// one statement each.
func insertBodyParts(ctx context.Context, tx *sql.Tx, id int64, rest [][]byte) error {
	for i, p := range rest {
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_body_parts (exchange_id, part, data) VALUES (?, ?, ?)`,
			id, i+1, p); err != nil {
			return fmt.Errorf("store part %d of %d of the request body of exchange %d: %w", i+1, len(rest), id, err)
		}
	}
	return nil
}

// fullReqBody is the SQL expression of the whole stored request body of the
// exchange that alias names (a blob, byte for byte).
func fullReqBody(alias string) string {
	return `CASE WHEN ` + alias + `.req_parts = 0 THEN ` + alias + `.req_body ELSE CAST(` + alias + `.req_body ||
		(SELECT group_concat(p.data, x'' ORDER BY p.part) FROM exchange_body_parts p WHERE p.exchange_id = ` + alias + `.id) AS BLOB) END`
}

// fullContent is the SQL expression of the whole text of the message that alias
// names: its content, and the parts after it when it was stored in parts.
func fullContent(alias string) string {
	return `CASE WHEN ` + alias + `.content_parts = 0 THEN ` + alias + `.content ELSE ` + alias + `.content ||
		(SELECT group_concat(p.text, '' ORDER BY p.part) FROM message_text_parts p WHERE p.message_id = ` + alias + `.id) END`
}
