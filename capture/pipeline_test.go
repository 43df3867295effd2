package capture

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/llmtap/llmtap/internal/spool"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// plain keeps an exchange as it is, without parsing it into a round: enough to test
// the path from the proxy to the database.
func plain(ex *proxy.Exchange) store.Capture {
	return store.Capture{Exchange: store.Exchange{Method: ex.Method, URL: ex.URL, Route: ex.Route, Host: ex.Host,
		Path: ex.Path, Status: ex.Status, ReqHeader: ex.ReqHeader, RespHeader: ex.RespHeader,
		ReqBody: ex.ReqBody, RespBody: ex.RespBody, Start: ex.Start, End: ex.End}}
}

type env struct {
	dir string
	db  *store.DB
}

func newEnv(t *testing.T) env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(t.Context(), filepath.Join(dir, "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return env{dir: filepath.Join(dir, "capture"), db: db}
}

func (e env) open(t *testing.T, convert func(*proxy.Exchange) store.Capture) *Pipeline {
	t.Helper()
	p, err := Open(t.Context(), Config{Dir: e.dir, DB: e.db, Convert: convert, SegmentSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// markers returns the request bodies stored, each once or the test fails.
func (e env) markers(t *testing.T) map[string]bool {
	t.Helper()
	items, _, err := e.db.ListExchanges(t.Context(), store.ExchangeListOptions{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range items {
		full, err := e.db.Exchange(t.Context(), it.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := string(full.ReqBody)
		if seen[m] {
			t.Fatalf("exchange %q stored twice", m)
		}
		seen[m] = true
	}
	return seen
}

func marked(i int) *proxy.Exchange {
	ex := sampleExchange(fmt.Sprintf(`{"marker":%d}`, i), "data: [DONE]\n\n")
	ex.Start = time.Now()
	return ex
}

func TestCapturedExchangesAreStoredOnce(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, plain)
	const n = 300
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 6 {
				p.Capture(t.Context(), marked(i))
			}
		}()
	}
	wg.Wait()
	if err := p.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := p.Status(); st.Queued != 0 || st.Indexed != n || st.Unsaved.Count != 0 {
		t.Fatalf("Status() = %+v, want nothing queued, %d indexed, none unsaved", st, n)
	}
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(e.markers(t)); got != n {
		t.Fatalf("stored %d exchanges, want %d", got, n)
	}
	// Indexed segments are removed: only the one being written is left.
	segs, _ := filepath.Glob(filepath.Join(e.dir, "*.seg"))
	if len(segs) != 1 {
		t.Errorf("%d segments left after indexing everything, want 1", len(segs))
	}
}

// TestLoggedButNotIndexedIsIndexedAtNextOpen stops the indexer before it can store
// anything (as a kill would), then opens the log again.
func TestLoggedButNotIndexedIsIndexedAtNextOpen(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var once sync.Once
	blocked := func(ex *proxy.Exchange) store.Capture {
		once.Do(func() {})
		<-release
		return plain(ex)
	}
	p := e.open(t, blocked)
	const n = 50
	for i := range n {
		p.Capture(t.Context(), marked(i))
	}
	if st := p.Status(); st.Queued != n {
		t.Fatalf("Status().Queued = %d with the indexer stuck, want %d", st.Queued, n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // no time to drain: Close must leave the records in the log
	close(release)
	p.Close(ctx)
	// The released indexer may store some of the batch before Close stops it; the
	// rest must be counted at the next open, and stored by it. Its indexer is held
	// until Status has been read, so it cannot have drained the backlog first.
	stored := len(e.markers(t))
	release = make(chan struct{})
	p = e.open(t, func(ex *proxy.Exchange) store.Capture {
		<-release
		return plain(ex)
	})
	defer p.Close(t.Context())
	st := p.Status()
	close(release)
	if stored < n && st.Queued != int64(n-stored) {
		t.Fatalf("after reopening Status().Queued = %d, want the backlog of %d counted", st.Queued, n-stored)
	}
	if err := p.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(e.markers(t)); got != n {
		t.Fatalf("stored %d exchanges after reopening, want %d", got, n)
	}
}

// flaky is a log stand-in that refuses appends while down is set.
type flaky struct {
	mu   sync.Mutex
	down bool
	got  [][]byte
}

func (f *flaky) Append(recs ...[]byte) (spool.Pos, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, errors.New("no space left on device")
	}
	f.got = append(f.got, recs...)
	return 0, nil
}

func (f *flaky) AppendPartsAsync(ps ...spool.Part) <-chan spool.Appended {
	out := make(chan spool.Appended, 1)
	rec, err := parts(ps).join()
	if err != nil {
		panic(err)
	}
	pos, err := f.Append(rec)
	out <- spool.Appended{Pos: pos, Err: err}
	return out
}

func (f *flaky) set(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

func TestRefusedRecordsWaitThenGoInOrder(t *testing.T) {
	log := &flaky{down: true}
	tally := filepath.Join(t.TempDir(), "unsaved.json")
	r := newRecorder(log, tally, 0, discard())
	for i := range 10 {
		r.Capture(t.Context(), marked(i)) // returns although the disk refuses
	}
	if r.Held() != 10 || log.count() != 0 {
		t.Fatalf("held %d, appended %d while the disk refuses; want 10 held", r.Held(), log.count())
	}
	log.set(false)
	r.Capture(t.Context(), marked(10)) // queues behind the held ones
	if !r.flushHeld() {                // what the retry loop does every second
		t.Fatalf("flushHeld with the disk back left %d held", r.Held())
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if log.count() != 11 {
		t.Fatalf("appended %d records, want 11", log.count())
	}
	for i, rec := range log.got {
		ex, err := decode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"marker":%d}`, i); string(ex.ReqBody) != want {
			t.Fatalf("record %d is %s, want %s: the order changed", i, ex.ReqBody, want)
		}
	}
	if u := r.Unsaved(); u.Count != 0 {
		t.Fatalf("unsaved %+v, want none", u)
	}
}

func TestOverflowIsCountedAndPersisted(t *testing.T) {
	log := &flaky{down: true}
	tally := filepath.Join(t.TempDir(), "unsaved.json")
	one, _ := encode(marked(0))
	r := newRecorder(log, tally, int64(len(one)*3+len(one)/2), discard())
	for i := range 5 {
		r.Capture(t.Context(), marked(i))
	}
	// Stopping while the disk still refuses: the held ones are lost too, and counted.
	if err := r.Close(t.Context()); err == nil {
		t.Fatal("Close while the disk refuses = nil, want an error counting what was not kept")
	}
	r.closeTally()
	if u := r.Unsaved(); u.Count != 5 || u.Reason == "" || u.Since.IsZero() {
		t.Fatalf("Unsaved() = %+v, want 5 with a reason", u)
	}
	// A restart reads the tally back; Dismiss clears it for good.
	r2 := newRecorder(&flaky{}, tally, 0, discard())
	if u := r2.Unsaved(); u.Count != 5 {
		t.Fatalf("after a restart Unsaved().Count = %d, want 5", u.Count)
	}
	if err := r2.Dismiss(); err != nil {
		t.Fatal(err)
	}
	r2.Close(t.Context())
	r2.closeTally()
	r3 := newRecorder(&flaky{}, tally, 0, discard())
	defer r3.closeTally()
	defer r3.Close(t.Context())
	if u := r3.Unsaved(); u.Count != 0 {
		t.Fatalf("after Dismiss and a restart Unsaved().Count = %d, want 0", u.Count)
	}
	if st, err := os.Stat(tally); err != nil || st.Size() != unsavedSize || st.Mode().Perm()&0o077 != 0 {
		t.Fatalf("tally file: %v, %v; want %d bytes, private", st, err, unsavedSize)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, plain)
	defer p.Close(t.Context())
	if _, err := Open(t.Context(), Config{Dir: e.dir, DB: e.db, Convert: plain}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
}

// TestLockedDatabaseKeepsCapturesInTheLog holds SQLite's write lock from another
// connection (as a long export or a stalled disk would): captures still return at
// once, wait durable in the log, and are all stored once the lock goes.
func TestLockedDatabaseKeepsCapturesInTheLog(t *testing.T) {
	e := newEnv(t)
	locker, err := sql.Open("sqlite3", "file:"+filepath.Join(filepath.Dir(e.dir), "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	conn, err := locker.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	p := e.open(t, plain)
	defer p.Close(t.Context())
	const n = 40
	for i := range n {
		p.Capture(t.Context(), marked(i))
	}
	if st := p.Status(); st.Queued != n || st.Indexed != 0 {
		t.Fatalf("with the database locked Status() = %+v, want %d queued and none indexed", st, n)
	}
	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(e.markers(t)); got != n {
		t.Fatalf("stored %d exchanges after the lock went, want %d", got, n)
	}
	if u := p.Unsaved(); u.Count != 0 {
		t.Fatalf("Unsaved() = %+v, want none", u)
	}
}

// stalled is a log stand-in whose appends finish only when the test says so, as
// on a hung network mount.
type stalled struct {
	release chan struct{}
	got     chan []byte
}

func (s *stalled) Append(recs ...[]byte) (spool.Pos, error) {
	res := <-s.AppendAsync(recs...)
	return res.Pos, res.Err
}

func (s *stalled) AppendPartsAsync(ps ...spool.Part) <-chan spool.Appended {
	rec, err := parts(ps).join()
	if err != nil {
		panic(err)
	}
	return s.AppendAsync(rec)
}

func (s *stalled) AppendAsync(recs ...[]byte) <-chan spool.Appended {
	out := make(chan spool.Appended, 1)
	go func() {
		<-s.release
		for _, r := range recs {
			s.got <- r
		}
		out <- spool.Appended{}
	}()
	return out
}

// TestStalledDiskDoesNotHoldTheClient: Capture returns after stallAfter although
// the append has not finished, and the record still counts once it does.
func TestStalledDiskDoesNotHoldTheClient(t *testing.T) {
	log := &stalled{release: make(chan struct{}), got: make(chan []byte, 1)}
	r := newRecorder(log, filepath.Join(t.TempDir(), "unsaved.json"), 0, discard())
	defer r.closeTally()
	r.stallAfter = time.Millisecond
	r.Capture(t.Context(), marked(1)) // returns: the disk hangs
	if r.Appended() != 0 {
		t.Fatalf("Appended() = %d before the disk answered", r.Appended())
	}
	close(log.release)
	if _, err := decode(<-log.got); err != nil {
		t.Fatal(err)
	}
	r.Close(t.Context())
	for r.Appended() != 1 { // the detached wait counts it right after the append returns
		runtime.Gosched()
	}
	if u := r.Unsaved(); u.Count != 0 {
		t.Fatalf("Unsaved() = %+v, want none", u)
	}
}

// TestBigReplyStoredFromItsFrame: the indexer lets a reply's decoded body go once
// it is converted (the store keeps the log's zstd frame); the stored exchange still
// reads back whole, with its size, and a small reply too.
func TestBigReplyStoredFromItsFrame(t *testing.T) {
	tests := []struct {
		name string
		resp string
	}{
		{"small_reply", "data: [DONE]\n\n"},
		{"reply_of_2_mb", fmt.Sprintf("data: {\"choices\":[{\"delta\":{\"content\":%q}}]}\n\n", repeatWords(2<<20)) + "data: [DONE]\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.open(t, plain)
			p.Capture(t.Context(), sampleExchange(`{"marker":1}`, tt.resp))
			if err := p.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			items, _, err := e.db.ListExchanges(t.Context(), store.ExchangeListOptions{})
			if err != nil || len(items) != 1 {
				t.Fatalf("ListExchanges = %d items, %v; want 1", len(items), err)
			}
			if items[0].RespBytes != int64(len(tt.resp)) {
				t.Errorf("RespBytes = %d, want %d", items[0].RespBytes, len(tt.resp))
			}
			full, err := e.db.Exchange(t.Context(), items[0].ID)
			if err != nil || string(full.RespBody) != tt.resp {
				t.Errorf("Exchange(%d): %v, response of %d bytes, want the %d captured", items[0].ID, err, len(full.RespBody), len(tt.resp))
			}
		})
	}
}

// repeatWords is n bytes of words.
func repeatWords(n int) string {
	const words = "a long answer streams its words "
	b := make([]byte, 0, n+len(words))
	for len(b) < n {
		b = append(b, words...)
	}
	return string(b[:n])
}
