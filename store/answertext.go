package store

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"unsafe"

	"github.com/llmtap/llmtap/dataset"
)

// A long answer's text is stored once (migration 0021): its response body, which the
// store keeps anyway, holds it. The message row keeps the first indexedChars
// characters, what search and the list read, and says which answer of its
// exchange's response the whole text is, with its length and CRC; readers parse the
// response again to get it back (fullContent in SQL, pathRow.whole in Go).

const (
	// answerTextFrom is the length from which an answer's text is stored once. A 2 MB
	// streamed reply wrote 2.7 MB of rows (its text, then the log's 0.6 MB frame of
	// its body), copied once more by the checkpoint; reading one back costs parsing
	// its response again (~2.5 ms per MB), so short answers, read often, stay whole.
	answerTextFrom = 256 << 10
	// indexedChars is how much of a text the message_text view, and so both search
	// indexes, read (migration 0016): substr(content, 1, 65536).
	indexedChars = 65536
	// answerTextFunc is the SQL function that gives such a text back.
	answerTextFunc = "llmtap_answer_text"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// answerRef is where the whole text of an answer stored once is: answer number
// answer of its exchange's response, length bytes with CRC-32C crc.
type answerRef struct {
	answer, length int
	crc            uint32
}

// onceRef is where text is when it is stored once as answer i of an exchange of
// dialect d whose response parsed to answers, or the zero answerRef when it is
// stored whole. It is stored once when long enough, of a dialect whose answers the
// response alone gives, and the very text the response parsed to (the same string,
// not a copy a client's group chat named or a continuation joined: a string the
// round changed is stored whole).
func onceRef(d dataset.Dialect, answers []dataset.Message, i int, text string) answerRef {
	if len(text) < answerTextFrom || !dataset.AnswersFromResponse(d) || i >= len(answers) {
		return answerRef{}
	}
	parsed := answers[i].Content
	if len(parsed) != len(text) || unsafe.StringData(parsed) != unsafe.StringData(text) {
		return answerRef{}
	}
	return answerRef{answer: i, length: len(text), crc: textCRC(text)}
}

// textCRC is the CRC-32C of text (hardware-computed on amd64 and arm64).
func textCRC(text string) uint32 {
	return crc32.Checksum(unsafe.Slice(unsafe.StringData(text), len(text)), castagnoli)
}

// indexedHead is the start of s that the message_text view reads of it: its first
// indexedChars characters as SQLite's substr counts them, so substr(head, 1, 65536)
// = substr(s, 1, 65536) and search sees the text it saw. SQLite 3.54 counts any
// byte over 0x7f with the continuation bytes after it as one character (older
// versions only a byte over 0xbf, which takes no more bytes): the same count for
// valid UTF-8, which every parsed text is.
func indexedHead(s string) string {
	i := 0
	for n := 0; n < indexedChars && i < len(s); n++ {
		c := s[i]
		i++
		if c >= 0x80 {
			for i < len(s) && s[i]&0xc0 == 0x80 {
				i++
			}
		}
	}
	return s[:i]
}

// answerText is the SQL function llmtap_answer_text: the whole text of an answer
// stored once, from its exchange's stored response (codec and body as in
// exchanges) and its message row's reference.
func answerText(codec string, body []byte, dialect string, answer, length, crc int64) (string, error) {
	if codec != codecRaw { // codecZstd and codecRef both keep the response zstd-compressed
		var err error
		if body, err = unzstd(body); err != nil {
			return "", fmt.Errorf("answer text: response body: %w", err)
		}
	}
	answers, err := dataset.ParseAnswers(dataset.Dialect(dialect), body)
	if err != nil {
		return "", fmt.Errorf("answer text: %w", err)
	}
	if answer < 0 || answer >= int64(len(answers)) {
		return "", fmt.Errorf("answer text: the response holds %d answers, not answer %d: %w", len(answers), answer, errAnswerText)
	}
	text := answers[answer].Content
	if int64(len(text)) != length || int64(textCRC(text)) != crc {
		return "", fmt.Errorf("answer text: answer %d of the response is not the text stored (%d bytes, want %d): %w",
			answer, len(text), length, errAnswerText)
	}
	return text, nil
}

// errAnswerText says a text stored once no longer reads back from its response.
var errAnswerText = errors.New("the response no longer parses to the answer stored; run `llmtap reindex` to store it again")

// onceText is the whole text of message id, an answer stored once, read on a
// connection of its own (a caller may still be reading rows) and parsed in Go: the
// SQL function would hand a 30 MB text through C twice more.
func (db *DB) onceText(ctx context.Context, id int64) (string, error) {
	var codec, dialect string
	var body []byte
	var answer, length, crc int64
	if err := db.sql.QueryRowContext(ctx, `SELECT e.body_codec, e.resp_body, e.dialect, m.content_answer, m.content_len, m.content_crc
		FROM messages m JOIN exchanges e ON e.id = m.exchange_id WHERE m.id = ?`, id).
		Scan(&codec, &body, &dialect, &answer, &length, &crc); err != nil {
		return "", fmt.Errorf("read the answer of message %d: %w", id, err)
	}
	text, err := answerText(codec, body, dialect, answer, length, crc)
	if err != nil {
		return "", fmt.Errorf("message %d: %w", id, err)
	}
	return text, nil
}
