package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
)

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "", "data `folder`; default: $LLMTAP_DATA_DIR or the OS user data folder + /llmtap")
	format := fs.String("format", string(dataset.FormatShareGPT), "`format`, one of:"+formatHelp())
	out := fs.String("out", "", "`file` to write, or a folder (ending with / or existing) to write as a Hugging Face dataset: data/train-*.parquet, README.md, dataset_info.json; default: llmtap-<format>.json or .jsonl in the current folder")
	status := fs.String("status", "", "comma-separated `statuses` to take: unreviewed, confirmed, rejected, or all; default: everything not rejected")
	system := fs.String("system", "field", "where the system prompt goes: field (top-level \"system\") or inline (a first from:system turn)")
	opener := fs.String("opener", string(dataset.OpenerSystem), "what becomes of a greeting before the first user turn (a character card's first message): system (into the system prompt after --opener-prefix) or drop")
	openerPrefix := fs.String("opener-prefix", dataset.DefaultOpenerPrefix, "the `line` that marks the greeting in the system prompt")
	names := fs.String("names", string(dataset.NamesAuto), "speaker names in assistant text (\"Name: text\", as SillyTavern shows group chats): auto (when a conversation has more than one assistant name), on or off")
	pairs := fs.String("pairs", string(dataset.PairsAll), "which preference pairs a pair format takes: all (wherever an answer has a sibling) or signalled (leave out those only the newest regeneration decides)")
	reasoning := fs.String("reasoning", "auto", "what becomes of an answer's reasoning: drop, inline (<think>…</think> before the answer), field (the format's own field: reasoning_content), or auto (field where the format has one, else drop)")
	reasoningHistory := fs.Bool("reasoning-history", false, "keep the reasoning of earlier answers in a record's history too (default: only the last answer's)")
	minScore := fs.Int("min-score", 0, "take only conversations scored `N` (1-5) or better, leaving out unrated ones; 0 takes any")
	validation := fs.Float64("validation", 0, "`fraction` of conversations in a validation split (dataset folders only: --out DIR/)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "llmtap export: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opt := export.Options{Format: dataset.ExportFormat(*format), Out: *out}
	switch *system {
	case "field":
	case "inline":
		opt.Record.SystemInline = true
	default:
		fmt.Fprintf(stderr, "llmtap export: --system %q: must be field or inline\n", *system)
		return 2
	}
	var err error
	if opt.Record.Opener, err = dataset.ParseOpenerMode(*opener); err != nil {
		fmt.Fprintln(stderr, "llmtap export: --"+err.Error())
		return 2
	}
	if opt.Record.Names, err = dataset.ParseNameMode(*names); err != nil {
		fmt.Fprintln(stderr, "llmtap export: --"+err.Error())
		return 2
	}
	if opt.Record.Pairs, err = dataset.ParsePairPolicy(*pairs); err != nil {
		fmt.Fprintln(stderr, "llmtap export: --"+err.Error())
		return 2
	}
	if opt.Record.Reasoning, err = dataset.ParseReasoningMode(*reasoning); err != nil {
		fmt.Fprintln(stderr, "llmtap export: --"+err.Error())
		return 2
	}
	opt.Record.ReasoningHistory = *reasoningHistory
	opt.Validation = *validation
	opt.Record.OpenerPrefix = strings.TrimSpace(*openerPrefix)
	statuses, err := parseStatuses(*status)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap export:", err)
		return 2
	}
	opt.Filter.Statuses = statuses
	if *minScore < 0 || *minScore > dataset.MaxScore {
		fmt.Fprintf(stderr, "llmtap export: --min-score %d: must be 1 to %d, or 0 for any\n", *minScore, dataset.MaxScore)
		return 2
	}
	opt.Filter.List.MinScore = *minScore
	if opt.Out == "" {
		opt.Out = defaultOut(opt.Format)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openExisting(ctx, *dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap export:", err)
		return 1
	}
	defer db.Close()
	opt.Progress = func(done, total int) {
		if done%1000 == 0 && done < total {
			fmt.Fprintf(stderr, "llmtap export: %d/%d conversations…\n", done, total)
		}
	}
	res, err := export.Run(ctx, db, opt)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap export:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d conversations to %s (%s)\n", res.Written, res.Out, opt.Format)
	for _, split := range []string{"train", "validation"} {
		if n, ok := res.Splits[split]; ok {
			fmt.Fprintf(stdout, "%s split: %d records\n", split, n)
		}
	}
	if res.Images > 0 {
		fmt.Fprintf(stdout, "wrote %d images under images/ beside it\n", res.Images)
	}
	if res.Invalid > 0 {
		fmt.Fprintf(stdout, "%d invalid: not exported; see %s for the reasons\n", res.Invalid, res.InvalidOut)
	} else {
		fmt.Fprintln(stdout, "0 invalid")
	}
	if len(res.Fixes) > 0 {
		fmt.Fprintf(stdout, "written after a fix: %s; see %s for what and why\n", fixesLine(res.Fixes), res.InvalidOut)
	}
	if line := pairsLine(res.PairsByRule); line != "" {
		fmt.Fprintln(stdout, line)
	}
	for _, p := range res.Sidecars {
		fmt.Fprintf(stdout, "wrote %s beside it\n", p)
	}
	return 0
}

// fixesLine lists the fixes with their counts, sorted by name.
func fixesLine(fixes map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(fixes)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, fixes[k]))
	}
	return strings.Join(parts, ", ")
}

// pairsLine says how many preference pairs each rule gave, strongest rule first:
// "pairs by rule: preferred 1, continued 3, newest 2"; "" for a format without pairs.
func pairsLine(byRule map[dataset.PairRule]int) string {
	var parts []string
	for _, r := range dataset.PairRules() {
		if n := byRule[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "pairs by rule: " + strings.Join(parts, ", ")
}

func parseStatuses(s string) ([]dataset.Status, error) {
	if s == "" {
		return nil, nil
	}
	if s == "all" {
		return []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed, dataset.StatusRejected}, nil
	}
	var out []dataset.Status
	for _, part := range strings.Split(s, ",") {
		st := dataset.Status(strings.TrimSpace(part))
		if !st.Valid() {
			return nil, fmt.Errorf("--status %q: each must be unreviewed, confirmed or rejected (or all)", part)
		}
		out = append(out, st)
	}
	return out, nil
}

// formatHelp lists the export formats, one line each, for --help.
func formatHelp() string {
	var b strings.Builder
	for _, s := range dataset.Formats() {
		fmt.Fprintf(&b, "\n  %-17s %s", s.Format, s.Help)
	}
	return b.String()
}

// defaultOut is the file an export in format f writes when --out is not given:
// llmtap-sharegpt.json, llmtap-sharegpt.jsonl, llmtap-dpo.jsonl, llmtap-openai.jsonl…
func defaultOut(f dataset.ExportFormat) string {
	spec, err := dataset.LookupFormat(f)
	if err != nil {
		return "llmtap-export" // Export refuses the format before it writes anything
	}
	kind := strings.TrimSuffix(string(spec.Format), "-jsonl")
	return "llmtap-" + kind + spec.Ext
}
