package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkBodies reads every capture back by id and compares its bodies.
func checkBodies(t *testing.T, db *DB, caps []Capture) {
	t.Helper()
	for _, c := range caps {
		e, err := db.Exchange(t.Context(), c.Exchange.ID)
		if err != nil {
			t.Fatalf("Exchange(%d): %v", c.Exchange.ID, err)
		}
		if !bytes.Equal(e.ReqBody, c.Exchange.ReqBody) || !bytes.Equal(e.RespBody, c.Exchange.RespBody) {
			t.Fatalf("Exchange(%d) bodies differ from those written", c.Exchange.ID)
		}
	}
}

// TestBodyCodecsRoundTrip reads back a row under every body codec, through both
// readers (one exchange, and the reindex batches).
func TestBodyCodecsRoundTrip(t *testing.T) {
	caps := chatSession(t, 3, false)
	req, resp := caps[2].Exchange.ReqBody, caps[2].Exchange.RespBody
	tests := []struct {
		name  string
		codec string
		store func(t *testing.T, db *DB) // leaves exchange 3 under codec
	}{
		{"raw", codecRaw, func(t *testing.T, db *DB) {
			mustExec(t, db, `UPDATE exchanges SET req_body = ?, resp_body = ?, body_codec = '', req_ref = NULL WHERE id = 3`, req, resp)
		}},
		{"zstd", codecZstd, func(t *testing.T, db *DB) {
			mustExec(t, db, `UPDATE exchanges SET req_body = ?, resp_body = ?, body_codec = 'zstd', req_ref = NULL WHERE id = 3`,
				packBody(req), packBody(resp))
		}},
		{"zstd_ref", codecRef, func(t *testing.T, db *DB) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			if err := db.Write(t.Context(), slicesClone(caps)); err != nil {
				t.Fatal(err)
			}
			tt.store(t, db)
			var codec string
			if err := db.sql.QueryRow(`SELECT body_codec FROM exchanges WHERE id = 3`).Scan(&codec); err != nil || codec != tt.codec {
				t.Fatalf("exchange 3 codec = %q, %v; want %q", codec, err, tt.codec)
			}
			db.bodies = bodyCache{} // a reader that did not see the write
			e, err := db.Exchange(t.Context(), 3)
			if err != nil || !bytes.Equal(e.ReqBody, req) || !bytes.Equal(e.RespBody, resp) {
				t.Fatalf("Exchange(3): %v, bodies differ", err)
			}
			db.bodies = bodyCache{}
			es, err := db.exchangesAfter(t.Context(), 0, 3, 10)
			if err != nil || len(es) != 3 || !bytes.Equal(es[2].ReqBody, req) || !bytes.Equal(es[2].RespBody, resp) {
				t.Fatalf("exchangesAfter: %d exchanges, %v; want 3 with exchange 3's bodies", len(es), err)
			}
		})
	}
}

// slicesClone copies caps so each write gets IDs of its own.
func slicesClone(caps []Capture) []Capture { return append([]Capture(nil), caps...) }

func mustExec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	if _, err := db.sql.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// chainDepths returns how many references reading each exchange's request body follows.
func chainDepths(t *testing.T, db *DB) map[int64]int {
	t.Helper()
	rows, err := db.sql.Query(`WITH RECURSIVE chain(id, at, depth) AS (
		SELECT id, req_ref, 0 FROM exchanges
		UNION ALL SELECT chain.id, e.req_ref, depth + 1 FROM chain JOIN exchanges e ON e.id = chain.at)
		SELECT id, MAX(depth) FROM chain GROUP BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var d int
		if err := rows.Scan(&id, &d); err != nil {
			t.Fatal(err)
		}
		out[id] = d
	}
	return out
}

// TestRefChainsAcrossBatchesAndRestart writes one chat in batches of varied sizes
// (references within a batch and across batches), reopens the database between two
// halves (the window starts empty), and reads every body back from a fresh handle,
// with chains never deeper than maxRefChain.
func TestRefChainsAcrossBatchesAndRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llmtap.db")
	caps := chatSession(t, 80, true)
	write := func(caps []Capture, sizes ...int) {
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for i, k := 0, 0; i < len(caps); k++ {
			n := min(sizes[k%len(sizes)], len(caps)-i)
			if err := db.Write(t.Context(), caps[i:i+n]); err != nil {
				t.Fatal(err)
			}
			i += n
		}
	}
	write(caps[:45], 1, 5, 2)
	write(caps[45:], 7, 1)

	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var refs int
	var firstAfterRestart string
	if err := db.sql.QueryRow(`SELECT COUNT(req_ref), (SELECT body_codec FROM exchanges WHERE id = 46) FROM exchanges`).
		Scan(&refs, &firstAfterRestart); err != nil {
		t.Fatal(err)
	}
	// Chains restart at the keyframes: after the first body, after every maxRefChain,
	// and after the restart.
	if want := len(caps) - 2 - len(caps)/(maxRefChain+1); refs < want {
		t.Errorf("%d of %d request bodies stored against a reference, want at least %d", refs, len(caps), want)
	}
	if firstAfterRestart != codecZstd {
		t.Errorf("first body after reopening stored as %q, want %q (the window starts empty)", firstAfterRestart, codecZstd)
	}
	deepest := 0
	for id, d := range chainDepths(t, db) {
		deepest = max(deepest, d)
		if d > maxRefChain {
			t.Errorf("exchange %d: reading its request body follows %d references, want at most %d", id, d, maxRefChain)
		}
	}
	if deepest != maxRefChain {
		t.Errorf("deepest chain %d, want %d (the first half is long enough to reach the bound)", deepest, maxRefChain)
	}
	checkBodies(t, db, caps)
	// Backwards, so no reference is in the cache already.
	fresh, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for i := len(caps) - 1; i >= 0; i-- {
		fresh.bodies = bodyCache{}
		checkBodies(t, fresh, caps[i:i+1])
	}
}

// TestRefDamage checks that a body whose reference is gone or broken reads as a
// clear error, and that deleting an exchange another body is rebuilt from is refused.
func TestRefDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage string
		want   error
	}{
		{"missing_reference", `UPDATE exchanges SET req_ref = 999 WHERE id = 3`, errRefMissing},
		{"corrupt_delta", `UPDATE exchanges SET req_body = x'28b52ffd' WHERE id = 3`, nil},
		{"reference_cycle", `UPDATE exchanges SET req_ref = 3, body_codec = 'zstd-ref' WHERE id = 2`, errRefChain},
		{"no_reference", `UPDATE exchanges SET req_ref = NULL WHERE id = 3`, errDelta},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			caps := chatSession(t, 3, false)
			for i := range caps {
				if err := db.Write(t.Context(), caps[i:i+1]); err != nil {
					t.Fatal(err)
				}
			}
			mustExec(t, db, tt.damage)
			db.bodies = bodyCache{}
			_, err := db.Exchange(t.Context(), 3)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Exchange(3) error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "exchange 3") {
				t.Errorf("error %q does not name the exchange", err)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("error %q wraps ErrNotFound: the API would answer 404 for an exchange that exists", err)
			}
			t.Log(err)
		})
	}
	t.Run("delete_referenced", func(t *testing.T) {
		db := openTest(t)
		caps := chatSession(t, 3, false)
		for i := range caps {
			if err := db.Write(t.Context(), caps[i:i+1]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.sql.Exec(`DELETE FROM exchanges WHERE id = 2`); err == nil || !strings.Contains(err.Error(), "re-base") {
			t.Errorf("deleting a referenced exchange: err = %v, want refused", err)
		}
		if _, err := db.sql.Exec(`DELETE FROM exchanges WHERE id = 3`); err != nil {
			t.Errorf("deleting an exchange nothing references: %v", err)
		}
	})
}

// TestRefWindowBounds checks the window keeps at most refWindowLen bodies and about
// refWindowBytes of them, and never keeps a body over maxRefBody.
func TestRefWindowBounds(t *testing.T) {
	db := openTest(t)
	now := time.Now()
	body := func(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }
	var caps []Capture
	for i := range refWindowLen + 5 {
		caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "http://up/x", Host: "up", Path: "/x",
			ReqBody: body(1000, byte('a'+i%26)), Start: now, End: now}})
	}
	caps = append(caps, Capture{Exchange: Exchange{Method: "POST", URL: "http://up/x", Host: "up", Path: "/x",
		ReqBody: body(maxRefBody+1, 'z'), Start: now, End: now}})
	if err := db.Write(t.Context(), caps); err != nil {
		t.Fatal(err)
	}
	if n := len(db.refs.entries); n != refWindowLen {
		t.Errorf("window holds %d bodies, want %d", n, refWindowLen)
	}
	for _, rb := range db.refs.entries {
		if len(rb.body) > maxRefBody {
			t.Errorf("window keeps a body of %d bytes, want none over %d", len(rb.body), maxRefBody)
		}
	}
	for i := range 5 {
		big := []Capture{{Exchange: Exchange{Method: "POST", URL: "http://up/y", Host: "up", Path: "/y",
			ReqBody: body(maxRefBody/2, byte('a'+i)), Start: now, End: now}}}
		if err := db.Write(t.Context(), big); err != nil {
			t.Fatal(err)
		}
	}
	if db.refs.bytes > refWindowBytes || len(db.refs.entries) < 2 {
		t.Errorf("window holds %d bytes in %d bodies, want at most %d", db.refs.bytes, len(db.refs.entries), refWindowBytes)
	}
}

// TestRefInterleavedChats writes four chats to the same endpoint turn by turn, as
// parallel agents do, and checks each request is stored against its own chat's.
func TestRefInterleavedChats(t *testing.T) {
	db := openTest(t)
	const chats, turns = 4, 20
	var sessions [chats][]Capture
	for k := range sessions {
		sessions[k] = seededSession(t, uint64(100+k), turns, k%2 == 1)
	}
	chatOf := map[int64]int{}
	var all []Capture
	for i := range turns {
		for k := range sessions {
			batch := sessions[k][i : i+1]
			if err := db.Write(t.Context(), batch); err != nil {
				t.Fatal(err)
			}
			chatOf[batch[0].Exchange.ID] = k
			all = append(all, batch[0])
		}
	}
	rows, err := db.sql.Query(`SELECT id, req_ref FROM exchanges WHERE req_ref IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	refs := 0
	for rows.Next() {
		var id, ref int64
		if err := rows.Scan(&id, &ref); err != nil {
			t.Fatal(err)
		}
		refs++
		if chatOf[id] != chatOf[ref] {
			t.Errorf("exchange %d (chat %d) stored against exchange %d of chat %d", id, chatOf[id], ref, chatOf[ref])
		}
	}
	want := 0 // every request after one long enough to be a reference
	for _, s := range sessions {
		for i := 1; i < turns; i++ {
			if len(s[i-1].Exchange.ReqBody) >= minRefBody {
				want++
			}
		}
	}
	if refs != want {
		t.Errorf("%d request bodies stored against a reference, want %d", refs, want)
	}
	checkBodies(t, db, all)
}

// TestRefWindowOwnsBodies checks a caller that reuses its body buffers after Write
// cannot change what later bodies are stored against.
func TestRefWindowOwnsBodies(t *testing.T) {
	db := openTest(t)
	caps := chatSession(t, 6, true)
	want := make([][]byte, len(caps))
	for i := range caps {
		want[i] = bytes.Clone(caps[i].Exchange.ReqBody)
		if err := db.Write(t.Context(), caps[i:i+1]); err != nil {
			t.Fatal(err)
		}
		clear(caps[i].Exchange.ReqBody) // the caller's buffer, reused
	}
	var refs int
	if err := db.sql.QueryRow(`SELECT COUNT(req_ref) FROM exchanges`).Scan(&refs); err != nil || refs != len(caps)-1 {
		t.Errorf("%d request bodies stored against a reference (%v), want %d", refs, err, len(caps)-1)
	}
	for i := range caps {
		db.bodies = bodyCache{}
		e, err := db.Exchange(t.Context(), caps[i].Exchange.ID)
		if err != nil || !bytes.Equal(e.ReqBody, want[i]) {
			t.Fatalf("Exchange(%d): %v, request body differs from the one written", caps[i].Exchange.ID, err)
		}
	}
}

// TestReleaseMemoryKeepsReferences: once the window's indexes are let go (capture
// idle), the next request of a chat is still stored against the one before, its
// index built again, and every body reads back.
func TestReleaseMemoryKeepsReferences(t *testing.T) {
	db := openTest(t)
	caps := chatSession(t, 6, true)
	if err := db.Write(t.Context(), caps[:3]); err != nil {
		t.Fatal(err)
	}
	indexed := func() (n int) {
		db.refs.mu.Lock()
		defer db.refs.mu.Unlock()
		for _, rb := range db.refs.entries {
			if rb.index != nil {
				n++
			}
		}
		return n
	}
	if indexed() == 0 {
		t.Fatal("no index in the window after a chat's requests were stored against each other")
	}
	db.ReleaseMemory()
	if n := indexed(); n != 0 {
		t.Fatalf("%d indexes kept after ReleaseMemory", n)
	}
	if err := db.Write(t.Context(), caps[3:]); err != nil {
		t.Fatal(err)
	}
	var codec string
	if err := db.sql.QueryRow(`SELECT body_codec FROM exchanges WHERE id = ?`, caps[3].Exchange.ID).Scan(&codec); err != nil || codec != codecRef {
		t.Errorf("the request after the release stored as %q (%v), want %q", codec, err, codecRef)
	}
	if indexed() == 0 {
		t.Error("no index built again for the request after the release")
	}
	checkBodies(t, db, caps)
}
