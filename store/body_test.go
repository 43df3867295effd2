package store

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/internal/zpool"
)

// TestBodiesStoredCompressed checks exchange bodies round-trip through the zstd
// storage of migration 0008, that they take less room than captured, that sizes
// shown are the captured ones, and that rows stored raw before it still read.
func TestBodiesStoredCompressed(t *testing.T) {
	db := openTest(t)
	history := strings.Repeat(`{"role":"user","content":"tell me more about tides, please"},`, 200)
	req := []byte(`{"model":"gpt-4o","messages":[` + history + `{"role":"user","content":"and now?"}]}`)
	resp := []byte(strings.Repeat("data: {\"choices\":[{\"delta\":{\"content\":\"word \"}}]}\n\n", 300) + "data: [DONE]\n\n")
	now := time.Now()
	err := db.Write(t.Context(), []Capture{
		{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Status: 200, ReqBody: req, RespBody: resp, Start: now, End: now}},
		{Exchange: Exchange{Method: "GET", URL: "http://up/v1/models", Status: 200, Start: now, End: now}}, // no bodies
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	var codec string
	if err := db.sql.QueryRow(`SELECT length(req_body) + length(resp_body), body_codec FROM exchanges WHERE id = 1`).Scan(&stored, &codec); err != nil {
		t.Fatal(err)
	}
	if codec != codecZstd || stored*5 > len(req)+len(resp) {
		t.Errorf("stored %d bytes (codec %q) for %d captured: want zstd, at least 5x smaller here", stored, codec, len(req)+len(resp))
	}
	for id, want := range map[int64][2][]byte{1: {req, resp}, 2: {{}, {}}} {
		e, err := db.Exchange(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.ReqBody, want[0]) || !bytes.Equal(e.RespBody, want[1]) {
			t.Errorf("exchange %d: bodies of %d and %d bytes, want %d and %d", id, len(e.ReqBody), len(e.RespBody), len(want[0]), len(want[1]))
		}
	}
	sizes := func() (int64, int64) {
		t.Helper()
		items, _, err := db.ListExchanges(t.Context(), ExchangeListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range items {
			if s.ID == 1 {
				return s.ReqBytes, s.RespBytes
			}
		}
		t.Fatal("exchange 1 not listed")
		return 0, 0
	}
	if r, s := sizes(); r != int64(len(req)) || s != int64(len(resp)) {
		t.Errorf("listed sizes %d, %d; want the captured %d, %d", r, s, len(req), len(resp))
	}

	// A row from before the migration: raw bodies, no sizes.
	if _, err := db.sql.Exec(`UPDATE exchanges SET req_body = ?, resp_body = ?, body_codec = '', req_size = NULL, resp_size = NULL WHERE id = 1`,
		req, resp); err != nil {
		t.Fatal(err)
	}
	if e, err := db.Exchange(t.Context(), 1); err != nil || !bytes.Equal(e.ReqBody, req) || !bytes.Equal(e.RespBody, resp) {
		t.Errorf("raw row: %v, bodies differ", err)
	}
	if r, s := sizes(); r != int64(len(req)) || s != int64(len(resp)) {
		t.Errorf("raw row sizes %d, %d; want %d, %d", r, s, len(req), len(resp))
	}

	// A codec this version does not know is an error that says so, not garbage.
	if _, err := db.sql.Exec(`UPDATE exchanges SET body_codec = 'brotli' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exchange(t.Context(), 1); err == nil || !strings.Contains(err.Error(), `"brotli"`) {
		t.Errorf("unknown codec: err = %v", err)
	}
}

// TestRespZstdStoredAsGiven: a capture that brings its response's zstd frame (the
// capture log's) has that frame stored as it is, and reads back as the body, also
// when the caller let the decoded body go and gives only its length.
func TestRespZstdStoredAsGiven(t *testing.T) {
	resp := []byte(strings.Repeat(`{"choices":[{"message":{"content":"long answer "}}]}`, 2000))
	frame := zpool.Encode(resp, nil)
	tests := []struct {
		name     string
		respBody []byte
		respLen  int
	}{
		{"decoded_body_kept", resp, 0},
		{"decoded_body_let_go", nil, len(resp)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			now := time.Now()
			err := db.Write(t.Context(), []Capture{{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions",
				Status: 200, ReqBody: []byte(`{}`), RespBody: tt.respBody, Start: now, End: now}, RespZstd: frame, RespLen: tt.respLen}})
			if err != nil {
				t.Fatal(err)
			}
			var stored []byte
			if err := db.sql.QueryRow(`SELECT resp_body FROM exchanges WHERE id = 1`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored, frame) {
				t.Errorf("stored response of %d bytes, want the %d-byte frame given", len(stored), len(frame))
			}
			if e, err := db.Exchange(t.Context(), 1); err != nil || !bytes.Equal(e.RespBody, resp) {
				t.Errorf("read back: %v, %d bytes, want %d", err, len(e.RespBody), len(resp))
			}
			items, _, err := db.ListExchanges(t.Context(), ExchangeListOptions{Limit: 10})
			if err != nil || len(items) != 1 || items[0].RespBytes != int64(len(resp)) {
				t.Errorf("ListExchanges = %+v, %v; want one of %d response bytes", items, err, len(resp))
			}
		})
	}
}

// TestReqZstdStoredAsGiven: a request body too big to be stored against another
// has the capture log's frame stored as it is; a smaller one is packed as before.
func TestReqZstdStoredAsGiven(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		given bool
	}{
		{"big", maxRefBody + 1, true},
		{"small", maxRefBody / 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			req := []byte(`{"messages":[{"role":"user","content":"` + strings.Repeat("a long document ", tt.size/16) + `"}]}`)
			// Two frames, which decode as one body but are not what packBody makes of
			// it, so the test tells which was stored.
			given := zpool.Encode(req[10:], zpool.Encode(req[:10], nil))
			now := time.Now()
			err := db.Write(t.Context(), []Capture{{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions",
				Status: 200, ReqBody: req, RespBody: []byte(`{}`), Start: now, End: now}, ReqZstd: zpool.FrameOf(given)}})
			if err != nil {
				t.Fatal(err)
			}
			var stored []byte
			if err := db.sql.QueryRow(`SELECT req_body FROM exchanges WHERE id = 1`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if got := bytes.Equal(stored, given); got != tt.given {
				t.Errorf("%d-byte request stored as the frame given = %v, want %v", len(req), got, tt.given)
			}
			if e, err := db.Exchange(t.Context(), 1); err != nil || !bytes.Equal(e.ReqBody, req) {
				t.Errorf("read back: %v, %d bytes, want %d", err, len(e.ReqBody), len(req))
			}
		})
	}
}
