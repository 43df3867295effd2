package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

// generate fills a data folder with synthetic conversations for demos and benchmarks.
func generate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data `folder` to fill (required: synthetic data never goes to your real one by default)")
	n := fs.Int("conversations", 1000, "how many `conversations` to create")
	seed := fs.Uint64("seed", 1, "random `seed`; the same seed gives the same data")
	force := fs.Bool("force", false, "add to a database that already holds conversations")
	realistic := fs.Bool("realistic", false, "build wire-format bodies and thread them as captures are (slow, ~100/s; "+
		"needed for `llmtap reindex`); default: write conversation trees directly with stub exchanges")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dataDir == "" || *n <= 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "llmtap generate: usage: llmtap generate --data DIR [--conversations N] [--seed S] [--realistic]")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "llmtap generate:", err)
		return 1
	}
	db, err := store.Open(ctx, app.DatabasePath(*dataDir))
	if err != nil {
		fmt.Fprintln(stderr, "llmtap generate:", err)
		return 1
	}
	defer db.Close()
	if c, err := db.Counts(ctx); err != nil || (c.Conversations > 0 && !*force) {
		fmt.Fprintf(stderr, "llmtap generate: %s already holds %d conversations; pass --force to add to them\n", *dataDir, c.Conversations)
		return 1
	}
	began := time.Now()
	last := began
	synthesize := app.SynthesizeFast
	if *realistic {
		synthesize = app.Synthesize
	}
	err = synthesize(ctx, db, app.SynthOptions{Conversations: *n, Seed: *seed, Progress: func(done int) {
		if time.Since(last) > time.Second || done == *n {
			last = time.Now()
			fmt.Fprintf(stderr, "\rllmtap generate: %d/%d conversations (%.0f/s)", done, *n, float64(done)/time.Since(began).Seconds())
		}
	}})
	fmt.Fprintln(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap generate:", err)
		return 1
	}
	c, err := db.Counts(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap generate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s now holds %d conversations from %d exchanges (%.1fs)\n", *dataDir, c.Conversations, c.Exchanges, time.Since(began).Seconds())
	return 0
}
