package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

const reindexHelp = `Rebuild every conversation from the stored exchanges with this build's parsers.

Exchanges are the source of truth; conversations and messages are derived and get
new ids. Statuses and tags are kept. It refuses to run while llmtap (serve or the
window) is running on the data folder, and holds the folder while it runs. An
interrupted run is safe; run it again to finish.
`

func reindex(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: llmtap reindex [flags]\n\n"+reindexHelp+"\nFlags:\n")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", "", "data `folder`; default: $LLMTAP_DATA_DIR or the OS user data folder + /llmtap")
	batch := fs.Int("batch", 500, "exchanges per write `transaction`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "llmtap reindex: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, dir, err := openDatabase(ctx, *dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap reindex:", err)
		return 1
	}
	defer db.Close()
	// Held for the whole run: no llmtap may capture into the folder, or list it,
	// while its conversations are rebuilt.
	release, err := app.HoldCaptureLog(ctx, dir, db)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap reindex:", err)
		return 1
	}
	defer release(context.WithoutCancel(ctx))
	bar := newProgressBar(stderr)
	st, err := app.Reindex(ctx, db, *batch, bar.update)
	bar.done()
	if err != nil {
		fmt.Fprintln(stderr, "llmtap reindex:", err)
		fmt.Fprintln(stderr, "llmtap reindex: nothing is lost; run it again to finish")
		return 1
	}
	printReindexSummary(stdout, st)
	if st.CapturedDuring > 0 {
		fmt.Fprintf(stderr, "llmtap reindex: %d exchanges were captured while it ran; stop serve and run it again\n", st.CapturedDuring)
	}
	return 0
}

func printReindexSummary(w io.Writer, st store.ReindexStats) {
	rate := 0.0
	if s := st.Elapsed.Seconds(); s > 0 {
		rate = float64(st.Exchanges) / s
	}
	fmt.Fprintf(w, "reindexed %d exchanges in %s (%.0f/s): %d chat rounds\n",
		st.Exchanges, st.Elapsed.Round(time.Millisecond), rate, st.Threaded)
	fmt.Fprintf(w, "conversations: %d before, %d after\n", st.ConversationsBefore, st.ConversationsAfter)
	if len(st.ParseErrors) == 0 {
		fmt.Fprintln(w, "not made into rounds: 0")
		return
	}
	type reason struct {
		text string
		n    int
	}
	var rs []reason
	total := 0
	for text, n := range st.ParseErrors {
		rs = append(rs, reason{text, n})
		total += n
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].n > rs[j].n || rs[i].n == rs[j].n && rs[i].text < rs[j].text })
	fmt.Fprintf(w, "not made into rounds: %d, by reason:\n", total)
	for i, r := range rs {
		if i == 10 {
			fmt.Fprintf(w, "  … %d more reasons\n", len(rs)-10)
			break
		}
		text := r.text
		if len(text) > 100 {
			text = text[:99] + "…"
		}
		fmt.Fprintf(w, "  %6d  %s\n", r.n, text)
	}
}

// progressBar draws "[####....] done/total  rate/s" on one terminal line.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (p *progressBar) update(done, total int) {
	const width = 30
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	rate := float64(done) / max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d exchanges  %.0f/s ", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, rate)
	p.drawn = true
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
