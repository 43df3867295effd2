package store

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestHealthScale times Health over LLMTAP_HEALTH_ROWS exchanges (600,000 when
// set to "1") beside the plans it would have without migration 14's covering
// index: the started_at index for the 24 h window, a table scan for all time. Off
// unless the variable is set: it writes about 1 GB.
//
//	LLMTAP_HEALTH_ROWS=600000 go test -run TestHealthScale -v ./store/
func TestHealthScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("LLMTAP_HEALTH_ROWS"))
	if n == 1 {
		n = 600_000
	}
	if n <= 0 {
		t.Skip("set LLMTAP_HEALTH_ROWS to run")
	}
	db := openTest(t)
	ctx := t.Context()
	now := time.Now()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO exchanges (started_at, first_byte_at, ended_at, method, url, route,
		host, path, status, req_headers, resp_headers, req_body, resp_body, stream, error, dialect, model)
		VALUES (?, ?, ?, 'POST', '', '', ?, '/v1/chat/completions', ?, '{}', '{}', ?, ?, 1, ?, 'openai-chat', ?)`)
	if err != nil {
		t.Fatal(err)
	}
	// Bodies as captured chats have them, incompressible: 700 B request, 300 B reply.
	req, resp := make([]byte, 700), make([]byte, 300)
	step := 60 * 24 * time.Hour / time.Duration(n)
	for i := range n {
		rand.Read(req)
		rand.Read(resp)
		// Spread over 60 days, newest last; 1 in 20 fails.
		start := now.Add(-time.Duration(n-i) * step).UnixMilli()
		status, errText := 200, ""
		switch i % 20 {
		case 7:
			status = 429
		case 13:
			status, errText = 200, "upstream response cut off: unexpected EOF"
		}
		if _, err := st.ExecContext(ctx, start, start+int64(200+i%700), start+int64(900+i%5000), fmt.Sprintf("h%d.example", i%12),
			status, req, resp, errText, fmt.Sprintf("model-%d", i%40)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name     string
		since    time.Time
		baseline string
	}{
		{"24h", now.Add(-24 * time.Hour), "INDEXED BY exchanges_started"},
		{"all_time", time.Time{}, "NOT INDEXED"},
	} {
		measure := func(index string) (time.Duration, int) {
			best, reqs := time.Duration(1<<62), 0
			for range 3 {
				t0 := time.Now()
				h, err := db.health(ctx, w.since, index)
				if err != nil {
					t.Fatal(err)
				}
				best = min(best, time.Since(t0))
				reqs = 0
				for _, r := range h.Hosts {
					reqs += r.Requests
				}
			}
			return best, reqs
		}
		base, nb := measure(w.baseline)
		got, ng := measure("INDEXED BY exchanges_health")
		if nb != ng {
			t.Errorf("%s: baseline counted %d requests, Health %d", w.name, nb, ng)
		}
		t.Logf("%s over %d exchanges (%d in window): Health %v, baseline (%s) %v, %.1fx", w.name, n, ng, got, w.baseline, base,
			float64(base)/float64(got))
	}
}
