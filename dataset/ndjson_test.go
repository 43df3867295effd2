package dataset

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNDJSON(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		want         []string
		wantComplete bool
	}{
		{"two_lines", "{\"a\":1}\n{\"b\":2}\n", []string{`{"a":1}`, `{"b":2}`}, true},
		{"crlf", "{\"a\":1}\r\n{\"b\":2}\r\n", []string{`{"a":1}`, `{"b":2}`}, true},
		{"blank_lines_skipped", "\n{\"a\":1}\n\n \r\n{\"b\":2}\n\n", []string{`{"a":1}`, `{"b":2}`}, true},
		{"last_line_without_newline", "{\"a\":1}\n{\"b\":2}", []string{`{"a":1}`, `{"b":2}`}, false},
		{"cut_last_line", "{\"a\":1}\n{\"b\":", []string{`{"a":1}`, `{"b":`}, false},
		{"trailing_spaces_only", "{\"a\":1}\n  ", []string{`{"a":1}`}, true},
		{"bom", "\xef\xbb\xbf{\"a\":1}\n", []string{`{"a":1}`}, true},
		{"empty", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, complete := ParseNDJSON([]byte(tt.body))
			var got []string
			for _, r := range recs {
				got = append(got, string(r))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || complete != tt.wantComplete {
				t.Errorf("ParseNDJSON(%q) complete = %v, want %v; records (-want +got):\n%s", tt.body, complete, tt.wantComplete, diff)
			}
			var each []string
			eachNDJSON([]byte(tt.body), func(rec []byte) bool {
				each = append(each, string(rec))
				return true
			})
			if diff := cmp.Diff(tt.want, each); diff != "" {
				t.Errorf("eachNDJSON(%q) records (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestNDJSONDecoderSplits(t *testing.T) {
	const body = "{\"a\":1}\r\n\r\n{\"b\":2}\n{\"c\":3}"
	want, wantComplete := ParseNDJSON([]byte(body))
	for i := range len(body) + 1 {
		for j := i; j <= len(body); j++ {
			got, complete := decodeNDJSONChunks([]byte(body[:i]), []byte(body[i:j]), []byte(body[j:]))
			if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete {
				t.Fatalf("split at %d, %d: complete %v, want %v; (-want +got):\n%s", i, j, complete, wantComplete, diff)
			}
		}
	}
}

// decodeNDJSONChunks feeds chunks to an NDJSONDecoder, taking records as it goes.
func decodeNDJSONChunks(chunks ...[]byte) ([][]byte, bool) {
	var (
		d    NDJSONDecoder
		recs [][]byte
	)
	take := func() {
		for {
			r, ok := d.Next()
			if !ok {
				return
			}
			recs = append(recs, r)
		}
	}
	for _, c := range chunks {
		d.Write(c)
		take()
	}
	complete := d.End()
	take()
	return recs, complete
}

// FuzzNDJSON checks that feeding a body in two pieces, split anywhere, gives the
// same records as feeding it whole, and that no record is blank or holds a newline.
func FuzzNDJSON(f *testing.F) {
	dir := filepath.Join("testdata", "ollama")
	for _, name := range goldenCases(f, dir, ".req.json") {
		f.Add(readFile(f, filepath.Join(dir, name+".resp")), uint(7))
	}
	f.Add([]byte("{\"a\":1}\r\n\r\n{\"b\":2}\n{\"c\""), uint(8))
	f.Fuzz(func(t *testing.T, body []byte, split uint) {
		want, wantComplete := ParseNDJSON(body)
		i := int(split % uint(len(body)+1))
		got, complete := decodeNDJSONChunks(body[:i], body[i:])
		if diff := cmp.Diff(want, got); diff != "" || complete != wantComplete {
			t.Fatalf("split at %d: complete %v, want %v; records (-want +got):\n%s", i, complete, wantComplete, diff)
		}
		var fromFunc [][]byte
		d := NewNDJSONDecoderFunc(func(record []byte) bool {
			fromFunc = append(fromFunc, bytes.Clone(record))
			return true
		})
		d.Write(body[:i])
		d.Write(body[i:])
		if complete := d.End(); complete != wantComplete || len(want) != len(fromFunc) || (len(want) > 0 && !cmp.Equal(want, fromFunc)) {
			t.Fatalf("NewNDJSONDecoderFunc, split at %d: complete %v, want %v; records %q, want %q", i, complete, wantComplete, fromFunc, want)
		}
		for _, r := range got {
			if len(r) == 0 || !bytes.Equal(r, bytes.TrimSpace(r)) || bytes.IndexByte(r, '\n') >= 0 {
				t.Fatalf("record %q is blank, untrimmed or holds a newline", r)
			}
		}
	})
}
