package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/llmtap/llmtap/capture"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// TestIndexCaptureLogStoresWhatServeLeft leaves captures in the log unindexed (as a
// killed serve would) and checks that a command's IndexCaptureLog stores them as
// conversations, once.
func TestIndexCaptureLogStoresWhatServeLeft(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(t.Context(), DatabasePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := make(chan struct{})
	stuck := func(ex *proxy.Exchange) store.Capture { <-release; return toCapture(ex) }
	p, err := capture.Open(t.Context(), capture.Config{Dir: CaptureLogPath(dir), DB: db, Convert: stuck})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	for i := range n {
		p.Capture(t.Context(), chatExchange(t, time.Now(), 200, "answer", "user", fmt.Sprintf("question %d", i)))
	}
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	close(release)
	p.Close(gone) // no time to index: the records stay in the log

	got, err := IndexCaptureLog(t.Context(), dir, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Exchanges != n || c.Conversations != n {
		t.Fatalf("after IndexCaptureLog (stored %d): %d exchanges, %d conversations; want %d of each", got, c.Exchanges, c.Conversations, n)
	}
	if again, err := IndexCaptureLog(t.Context(), dir, db, nil); err != nil || again != 0 {
		t.Fatalf("second IndexCaptureLog = %d, %v; want 0, nil", again, err)
	}
}
