package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// ExportOptions says what to export and where.
type ExportOptions struct {
	Format dataset.ExportFormat
	// Out is the file to write. It is replaced only once the export succeeded.
	Out    string
	Filter store.ExportFilter
	// SystemInline writes the system prompt as a first {"from": "system"} turn instead
	// of the top-level "system" field.
	SystemInline bool
	// Progress, when set, is called with how many conversations there are to walk
	// (done 0), then after each conversation with how many were done.
	Progress func(done, total int)
}

// ExportResult says what an export wrote.
type ExportResult struct {
	dataset.ExportReport
	Out string
	// InvalidOut is the file listing records that could not be made valid, with the
	// reason for each; "" when there were none.
	InvalidOut string
}

// Export writes the conversations the filter takes as a dataset file. Records that
// cannot be made valid go to Out + ".invalid.jsonl" with their reason, never dropped
// silently. It reads a consistent snapshot and can run while the proxy captures.
func Export(ctx context.Context, db *store.DB, opt ExportOptions) (ExportResult, error) {
	res := ExportResult{Out: opt.Out}
	switch opt.Format {
	case dataset.FormatShareGPT, dataset.FormatShareGPTJSONL, dataset.FormatPreference:
	default:
		return res, fmt.Errorf("format %q: must be %s, %s or %s", opt.Format,
			dataset.FormatShareGPT, dataset.FormatShareGPTJSONL, dataset.FormatPreference)
	}
	if opt.Out == "" {
		return res, errors.New("no output file given")
	}
	dir := filepath.Dir(opt.Out)
	out, err := os.CreateTemp(dir, ".llmtap-export-*")
	if err != nil {
		return res, fmt.Errorf("create export in %q: %w", dir, err)
	}
	defer os.Remove(out.Name()) // a no-op once renamed
	invalid, err := os.CreateTemp(dir, ".llmtap-invalid-*")
	if err != nil {
		out.Close()
		return res, fmt.Errorf("create export in %q: %w", dir, err)
	}
	defer os.Remove(invalid.Name())

	sysOpt := dataset.ShareGPTOptions{SystemInline: opt.SystemInline}
	report, walkErr := writeDataset(ctx, db, opt.Format, opt.Filter, sysOpt, out, invalid, opt.Progress)
	res.ExportReport = report
	if err := errors.Join(walkErr, out.Close(), invalid.Close()); err != nil {
		return res, fmt.Errorf("export to %q: %w", opt.Out, err)
	}
	if err := os.Chmod(out.Name(), 0o644); err != nil { // CreateTemp made it private; a dataset is not
		return res, fmt.Errorf("export to %q: %w", opt.Out, err)
	}
	if err := os.Rename(out.Name(), opt.Out); err != nil {
		return res, fmt.Errorf("export to %q: %w", opt.Out, err)
	}
	invalidOut := opt.Out + ".invalid.jsonl"
	if report.Invalid == 0 {
		os.Remove(invalidOut) // an old list from an earlier run would mislead
		return res, nil
	}
	if err := os.Rename(invalid.Name(), invalidOut); err != nil {
		return res, fmt.Errorf("write invalid records to %q: %w", invalidOut, err)
	}
	res.InvalidOut = invalidOut
	return res, nil
}

// writeDataset writes the records of everything the filter takes in format to w,
// and the InvalidRecord lines of what cannot be exported to invalid, and returns
// the writer's report. progress, when set, is called with the number of
// conversations to walk (done 0), then after each conversation.
func writeDataset(ctx context.Context, db *store.DB, format dataset.ExportFormat, filter store.ExportFilter,
	opt dataset.ShareGPTOptions, w, invalid io.Writer, progress func(done, total int)) (dataset.ExportReport, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	ids, err := db.ExportIDs(ctx, filter)
	if err != nil {
		return dataset.ExportReport{}, err
	}
	progress(0, len(ids))
	var write func(id int64) error
	var closeWriter func() (dataset.ExportReport, error)
	if format == dataset.FormatPreference {
		pw := dataset.NewPreferenceWriter(w, invalid, opt)
		write = func(id int64) error { return db.PreferencePairs(ctx, id, pw.Write) }
		closeWriter = pw.Close
	} else {
		sw := dataset.NewShareGPTWriter(w, invalid, format, opt)
		write = func(id int64) error {
			c, err := db.ExportConversation(ctx, id)
			if err != nil {
				return err
			}
			return sw.Write(c)
		}
		closeWriter = sw.Close
	}
	var walkErr error
	for i, id := range ids {
		if walkErr = write(id); walkErr != nil {
			break
		}
		progress(i+1, len(ids))
		if walkErr = ctx.Err(); walkErr != nil {
			break
		}
	}
	report, closeErr := closeWriter()
	return report, errors.Join(walkErr, closeErr)
}
