package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/store"
)

// TestRecorderBoundsItsQueue stalls the writer for real (another connection holds
// SQLite's write lock) and captures more than the queue may hold: the excess is
// dropped and counted as unsaved with a reason, never blocking Capture, and once the
// disk is free again everything accepted is stored.
func TestRecorderBoundsItsQueue(t *testing.T) {
	path := DatabasePath(t.TempDir())
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Hold the write lock, so the recorder's first batch waits (busy timeout) while
	// captures keep arriving.
	locker, err := sql.Open("sqlite3", "file:"+path)
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

	one := exchangeBytes(chatExchange(t, time.Now(), 200, "answer", "user", "hello 0"))
	const accept = 5
	rec := NewRecorder(db, slog.New(slog.DiscardHandler), accept*one+one/2)
	const sent = 12
	began := time.Now()
	for i := range sent {
		rec.Capture(t.Context(), chatExchange(t, time.Now(), 200, "answer", "user", fmt.Sprintf("hello %d", i)))
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Capture blocked for %s while the disk was stalled", d)
	}
	// The writer may have taken the first batch before the lock mattered; what it
	// holds plus what is queued never exceeds the bound.
	unsaved, why := rec.Unsaved()
	if unsaved == 0 || unsaved > sent-accept {
		t.Errorf("unsaved = %d, want between 1 and %d", unsaved, sent-accept)
	}
	if !strings.Contains(why, "disk is not keeping up") {
		t.Errorf("reason %q does not say the disk is behind", why)
	}

	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.Written(); got != sent-unsaved {
		t.Errorf("written %d, want every accepted capture (%d sent, %d unsaved)", got, sent, unsaved)
	}
	c, err := db.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Exchanges != sent-unsaved {
		t.Errorf("%d exchanges stored, want %d", c.Exchanges, sent-unsaved)
	}
}
