//go:build linux

package export_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

// BenchmarkExport exports the review benchmark's data folder (100,000
// conversations, about a million messages; LLMTAP_BENCH_DATA keeps it between
// runs) in each format and reports the seconds an export takes and the peak
// resident memory (VmHWM, reset before each format) in MB. The bound is
// 20 s and 300 MB for any format; folder-messages-jsonl is messages-jsonl as a
// Hugging Face dataset folder (Parquet, a 5% validation split).
// LLMTAP_BENCH_FORMATS narrows the runs (comma-separated names). Run it with:
//
//	LLMTAP_BENCH_DATA=/tmp/big go test -tags sqlite_fts5 ./app/export -run '^$' -bench Export -benchtime 1x
func BenchmarkExport(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	a := openBench(ctx, b)
	out := b.TempDir()
	type run struct {
		name string
		spec dataset.FormatSpec
		out  string
	}
	var runs []run
	for _, spec := range dataset.Formats() {
		runs = append(runs, run{string(spec.Format), spec, filepath.Join(out, "x"+spec.Ext)})
	}
	// A Hugging Face dataset folder: Parquet shards with a validation split.
	messages, _ := dataset.LookupFormat(dataset.FormatMessagesJSONL)
	runs = append(runs, run{"folder-messages-jsonl", messages, filepath.Join(out, "ds") + string(filepath.Separator)})
	for _, r := range runs {
		spec := r.spec
		if only := os.Getenv("LLMTAP_BENCH_FORMATS"); only != "" && !strings.Contains(","+only+",", ","+r.name+",") {
			continue
		}
		b.Run(r.name, func(b *testing.B) {
			resetPeakRSS(b)
			var res export.Result
			var err error
			cpu0 := cpuSeconds(b)
			start := time.Now()
			for b.Loop() {
				opt := export.Options{Format: spec.Format, Out: r.out}
				if strings.HasSuffix(r.out, string(filepath.Separator)) {
					opt.Validation = 0.05
				}
				res, err = export.Run(ctx, a.DB(), opt)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/export")
			// CPU time tells the work apart from the wait on a machine others share.
			b.ReportMetric((cpuSeconds(b)-cpu0)/float64(b.N), "cpu-s/export")
			b.ReportMetric(procStatusMB(b, "VmHWM"), "peak-MB")
			b.ReportMetric(float64(res.Written), "records")
		})
	}
}

// openBench opens the app over the benchmark's data folder (LLMTAP_BENCH_DATA, else
// a temp dir), shut down when b ends. An empty folder is filled with
// LLMTAP_BENCH_CONVERSATIONS (100,000) generated conversations (app.SynthesizeFast,
// seed 1), as BenchmarkReviewList (app) fills it before it adds its Chinese and
// Japanese chats and a review in progress: give both the same LLMTAP_BENCH_DATA,
// and run that one first, to export the very folder the review was measured on.
func openBench(ctx context.Context, b *testing.B) *app.App {
	dir := os.Getenv("LLMTAP_BENCH_DATA")
	if dir == "" {
		dir = b.TempDir()
	}
	a, err := app.Open(ctx, app.Config{DataDir: dir, ProxyAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Shutdown(context.WithoutCancel(ctx)) })
	n := 100_000
	if s := os.Getenv("LLMTAP_BENCH_CONVERSATIONS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("LLMTAP_BENCH_CONVERSATIONS=%q: want a positive number", s)
		}
	}
	if c, err := a.DB().Counts(ctx); err != nil {
		b.Fatal(err)
	} else if c.Conversations == 0 {
		if err := app.SynthesizeFast(ctx, a.DB(), app.SynthOptions{Conversations: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	return a
}

// cpuSeconds is the user and system CPU time the process has used.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// resetPeakRSS resets the process's VmHWM to its current resident set.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// procStatusMB reads a kB field of /proc/self/status, in MB.
func procStatusMB(b *testing.B, field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1000
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
