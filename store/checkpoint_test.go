package store

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestWalFramesReadsSQLitesCounts holds walFrames's reading of the WAL index to
// the frame counts SQLite itself reports.
func TestWalFramesReadsSQLitesCounts(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.sql.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`PRAGMA wal_checkpoint(TRUNCATE)`) // an empty WAL: nothing waits
	shm := db.ckpt.shm
	if frames, n, ok := walFrames(shm); !ok || frames != 0 || n != 0 {
		t.Fatalf("after a full checkpoint: walFrames = %d, %d, %v; want 0, 0, true", frames, n, ok)
	}
	exec(`CREATE TABLE scratch (b BLOB)`)
	exec(`INSERT INTO scratch VALUES (?)`, make([]byte, 100<<10))
	frames, waiting, ok := walFrames(shm)
	if !ok || waiting == 0 || frames != waiting {
		t.Fatalf("after two commits: walFrames = %d, %d, %v; want as many frames waiting as written", frames, waiting, ok)
	}
	var busy, logged, copied uint32
	if err := db.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
		t.Fatal(err)
	}
	if busy != 0 || logged != waiting || copied != waiting {
		t.Errorf("SQLite's checkpoint: busy %d, %d frames in the WAL, %d copied; walFrames read %d waiting", busy, logged, copied, waiting)
	}
	if frames, n, _ := walFrames(shm); frames != logged || n != 0 {
		t.Errorf("after SQLite copied them all: walFrames = %d, %d; want %d, 0", frames, n, logged)
	}
}

// writeBlobs commits n rows of size bytes each, one per transaction, as a writer
// that never pauses.
func writeBlobs(t *testing.T, db *DB, n, size int) {
	t.Helper()
	ctx := t.Context()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS scratch (b TEXT)`); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("a long answer streamed by a model, ", size/35+1)[:size]
	for range n {
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO scratch VALUES (?)`, text); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckpointerCopiesBesideTheWriter: once walPages wait in the WAL, the
// checkpointer copies them, although no commit does (SQLite's own checkpoint runs
// only past walInlinePages).
func TestCheckpointerCopiesBesideTheWriter(t *testing.T) {
	db := openTest(t)
	shm := db.ckpt.shm
	writeBlobs(t, db, 12, 2<<20) // ~6,000 pages: past walPages, short of walInlinePages
	var waiting uint32
	for range 200 { // up to 10 s
		_, waiting, _ = walFrames(shm)
		if waiting < walPages {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%d frames still wait in the WAL 10 s after the last commit; the checkpointer copies from %d", waiting, walPages)
}

// TestWALStartsOverUnderSteadyWrites: the capture writer, writing without a pause
// beside a checkpointer that never quite catches up, keeps the WAL near
// walInlinePages instead of growing it with everything written (120 MB here).
func TestWALStartsOverUnderSteadyWrites(t *testing.T) {
	db := openTest(t)
	answer := strings.Repeat("a long answer streamed by a model, ", 2<<20/35)
	for i := range 60 {
		c := Capture{Exchange: Exchange{Method: "POST", URL: "http://up/v1/chat/completions", Host: "up",
			Path: "/v1/chat/completions", Status: 200, Start: time.Now(), End: time.Now()},
			Round: round(msgs(user(fmt.Sprintf("question %d", i))), bot(answer))}
		if err := db.Write(t.Context(), []Capture{c}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(strings.TrimSuffix(db.ckpt.shm, "-shm") + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// The first transaction past walInlinePages waits for the checkpoint under way
	// and starts the WAL over: it ends one transaction past that.
	const frame = 4096 + 24
	if limit := int64(walInlinePages)*frame + 4<<20; st.Size() > limit {
		t.Errorf("WAL is %.1f MB after 120 MB written; want at most %.1f MB", float64(st.Size())/1e6, float64(limit)/1e6)
	}
}
