package store

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/zpool"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		parts int // head included
	}{
		{"short", "hello", 1},
		{"just_under", strings.Repeat("a", partsFrom-1), 1},
		{"at_threshold", strings.Repeat("a", partsFrom), partsFrom / partSize},
		{"ascii_with_tail", strings.Repeat("a", 5*partSize+7), 6},
		// 3-byte characters never end a part: 1 MiB is not a multiple of 3.
		{"cjk", strings.Repeat("成都美食", partsFrom/12+1), 5},
		// A 4-byte character straddles every part's end.
		{"emoji", "x" + strings.Repeat("🦊", partsFrom/4), 5},
		{"invalid_utf8", strings.Repeat("\xff", partsFrom+1), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, rest := splitText(tt.text)
			if got := 1 + len(rest); got != tt.parts {
				t.Errorf("%d parts, want %d", got, tt.parts)
			}
			checkParts(t, tt.text, head, rest)
		})
	}
}

// checkParts fails unless the parts join back to text, each is at most partSize
// bytes, and a valid text is cut only between characters.
func checkParts(t *testing.T, text, head string, rest []string) {
	t.Helper()
	if got := head + strings.Join(rest, ""); got != text {
		t.Fatalf("parts join to %d bytes, want the %d-byte text", len(got), len(text))
	}
	if len(rest) == 0 {
		return
	}
	for i, p := range append([]string{head}, rest...) {
		if len(p) == 0 || len(p) > partSize {
			t.Errorf("part %d has %d bytes, want 1 to %d", i, len(p), partSize)
		}
		if utf8.ValidString(text) && !utf8.ValidString(p) {
			t.Errorf("part %d cuts a character", i)
		}
	}
	// A head of 1 MiB less 3 bytes holds more than the 65,536 characters search indexes.
	if n := utf8.RuneCountInString(head); n <= 65536 && utf8.ValidString(text) {
		t.Errorf("head holds %d characters, want more than the 65,536 search indexes", n)
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("成都", uint8(1))
	f.Add("🦊a", uint8(3))
	f.Add("\xe6\x88", uint8(2))
	f.Fuzz(func(t *testing.T, unit string, pad uint8) {
		if unit == "" {
			return
		}
		// Long enough to be split, with the unit's bytes falling on the parts' ends.
		text := strings.Repeat("a", int(pad%7)) + strings.Repeat(unit, partsFrom/len(unit)+1)
		head, rest := splitText(text)
		checkParts(t, text, head, rest)
	})
}

// TestBigTextInParts: a turn of 4 MiB or more is stored as a head and parts, read
// back whole, and a round continuing it threads into the same conversation.
func TestBigTextInParts(t *testing.T) {
	db := openTest(t)
	big := strings.Repeat("一段很长的文字 and words ", partsFrom/30+partSize/30)
	write(t, db, round([]dataset.Message{user(big)}, bot("a1")),
		round([]dataset.Message{user(big), bot("a1"), user("next")}, bot("a2")))
	want := [][]string{{"u:" + big, "a:a1", "u:next", "a:a2"}}
	if got := contents(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("got %d conversations (first path %d messages), want one with the big turn whole", len(got), len(got[0]))
	}
	var parts, headLen, rows, partsLen int
	err := db.sql.QueryRowContext(t.Context(), `SELECT m.content_parts, length(m.content),
		(SELECT COUNT(*) FROM message_text_parts p WHERE p.message_id = m.id),
		(SELECT SUM(octet_length(p.text)) FROM message_text_parts p WHERE p.message_id = m.id)
		FROM messages m WHERE m.role = 'user' ORDER BY m.id LIMIT 1`).Scan(&parts, &headLen, &rows, &partsLen)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := splitText(big)
	if parts != len(rest) || rows != len(rest) || headLen > partSize || partsLen < len(big)-partSize {
		t.Errorf("stored a head of %d characters and %d parts (%d rows, %d bytes), want %d parts after a head of at most %d",
			headLen, parts, rows, partsLen, len(rest), partSize)
	}
}

// TestBigBodyInParts: a request body whose stored frame is 4 MiB or more is stored
// as a head and parts, whether the frame is given in memory or in a file (the
// capture log's segment, read a part at a time), and every reader of stored bodies
// gets it back byte for byte: the exchange view, the request body reader of delta
// chains, reindex's reader and the body search.
func TestBigBodyInParts(t *testing.T) {
	raw := make([]byte, 6<<20)
	rng := rand.NewChaCha8([32]byte{3, 4})
	rng.Read(raw) // hex of random bytes: zstd keeps ~half
	req := []byte(`{"model":"m","messages":[{"role":"user","content":"needle ` + hex.EncodeToString(raw) + `"}]}`)
	frame := zpool.Encode(req, nil)
	if len(frame) < partsFrom {
		t.Fatalf("frame of %d bytes, want one of at least %d", len(frame), partsFrom)
	}
	for _, inFile := range []bool{false, true} {
		t.Run(map[bool]string{false: "frame_in_memory", true: "frame_in_a_file"}[inFile], func(t *testing.T) {
			db := openTest(t)
			given := zpool.FrameOf(frame)
			if inFile {
				// In a file after other bytes, as a record lies in a log segment.
				path := filepath.Join(t.TempDir(), "segment")
				if err := os.WriteFile(path, append([]byte("before the frame"), frame...), 0o600); err != nil {
					t.Fatal(err)
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				given = zpool.FrameAt(io.NewSectionReader(f, int64(len("before the frame")), int64(len(frame))), int64(len(frame)), func() { f.Close() })
				defer given.Release()
			}
			now := time.Now()
			err := db.Write(t.Context(), []Capture{{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions",
				Status: 200, RespBody: []byte(`{}`), Start: now, End: now}, ReqZstd: given, ReqLen: len(req)}})
			if err != nil {
				t.Fatal(err)
			}
			var parts, headLen int
			if err := db.sql.QueryRow(`SELECT req_parts, length(req_body) FROM exchanges WHERE id = 1`).Scan(&parts, &headLen); err != nil {
				t.Fatal(err)
			}
			if _, rest := splitBody(frame); parts != len(rest) || parts == 0 || headLen != partSize {
				t.Errorf("stored a head of %d bytes and %d parts, want %d parts after a head of %d", headLen, parts, len(rest), partSize)
			}
			e, err := db.Exchange(t.Context(), 1)
			if err != nil || !bytes.Equal(e.ReqBody, req) {
				t.Errorf("exchange view: %v, %d bytes, want %d", err, len(e.ReqBody), len(req))
			}
			if b, err := db.requestBody(t.Context(), 1); err != nil || !bytes.Equal(b, req) {
				t.Errorf("request body reader: %v, %d bytes, want %d", err, len(b), len(req))
			}
			if es, err := db.exchangesAfter(t.Context(), 0, 1, 10); err != nil || len(es) != 1 || !bytes.Equal(es[0].ReqBody, req) {
				t.Errorf("reindex reader: %v, %d exchanges", err, len(es))
			}
			found, _, _, err := db.SearchExchanges(t.Context(), ExchangeListOptions{ExchangeFilter: ExchangeFilter{Text: "needle"}})
			if err != nil || len(found) != 1 {
				t.Errorf("body search for a word of the body: %d exchanges, %v", len(found), err)
			}
		})
	}
}
