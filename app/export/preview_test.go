package export_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// TestExportPreviewReadsOnlyWhatChanged: a preview keeps what it found of each
// conversation under its revision, so the next one reads only the conversations that
// changed (and the first few, for the sample records), and says exactly what a
// preview from scratch says.
func TestExportPreviewReadsOnlyWhatChanged(t *testing.T) {
	const n = 30
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	for i := range n {
		ta.chat(t, false, fmt.Sprintf("chat %d", i))
	}
	ta.wait(t, n)
	ctx := t.Context()
	items, err := ta.DB().ExportItems(ctx, store.ExportFilter{})
	if err != nil || len(items) != n {
		t.Fatalf("ExportItems = %d, %v; want %d", len(items), err, n)
	}

	// preview previews with and without the kept checks; it returns the preview and
	// how many conversations the one with them had to check (it found none kept).
	preview := func(t *testing.T, query string) (export.Preview, int64) {
		t.Helper()
		reads := ta.Export().PreviewReads()
		var kept export.Preview
		if code := ta.getJSON(t, "/api/export/preview"+query, &kept); code != 200 {
			t.Fatalf("preview%s = %d", query, code)
		}
		reads = ta.Export().PreviewReads() - reads
		restore := ta.Export().TakeChecks()
		var fresh export.Preview
		ta.getJSON(t, "/api/export/preview"+query, &fresh)
		restore()
		if diff := cmp.Diff(fresh, kept); diff != "" {
			t.Errorf("preview%s with kept checks differs from one from scratch (-fresh +kept):\n%s", query, diff)
		}
		return kept, reads
	}
	wantReads := func(t *testing.T, got, want int64, what string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: the preview read %d conversations, want %d", what, got, want)
		}
	}

	p, reads := preview(t, "")
	wantReads(t, reads, n, "first preview")
	if p.Valid != n || p.Invalid != 0 || len(p.Records) != export.PreviewRecords {
		t.Fatalf("first preview: %d valid, %d invalid, %d records", p.Valid, p.Invalid, len(p.Records))
	}
	_, reads = preview(t, "")
	wantReads(t, reads, 0, "nothing changed")

	// Confirming chooses conversations; it changes no record.
	if _, err := ta.DB().Bulk(ctx, store.BulkOptions{IDs: []int64{items[0].ID, items[7].ID, items[20].ID},
		Action: store.BulkStatus, Status: dataset.StatusConfirmed}); err != nil {
		t.Fatal(err)
	}
	p, reads = preview(t, "?status=confirmed")
	wantReads(t, reads, 0, "after a confirm")
	if p.Valid != 3 {
		t.Errorf("confirmed: %d valid, want 3", p.Valid)
	}

	// An answer left out of training leaves its only round out: the record is invalid.
	d, err := ta.DB().Conversation(ctx, items[20].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.DB().SetTrain(ctx, d.Messages[len(d.Messages)-1].ID, false); err != nil {
		t.Fatal(err)
	}
	p, reads = preview(t, "")
	wantReads(t, reads, 1, "after a don't-train mark")
	if p.Valid != n-1 || p.Invalid != 1 || len(p.Reasons) != 1 {
		t.Errorf("after a don't-train mark: %d valid, %d invalid, reasons %+v", p.Valid, p.Invalid, p.Reasons)
	}

	// The same in the second conversation: the sample records come from the next ones.
	if d, err = ta.DB().Conversation(ctx, items[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := ta.DB().SetTrain(ctx, d.Messages[len(d.Messages)-1].ID, false); err != nil {
		t.Fatal(err)
	}
	p, reads = preview(t, "")
	wantReads(t, reads, 1, "after a don't-train mark among the first")
	if p.Valid != n-2 || len(p.Records) != export.PreviewRecords {
		t.Errorf("after a second don't-train mark: %d valid, %d records", p.Valid, len(p.Records))
	}

	// A chat continued through the proxy changes that conversation only.
	ta.chat(t, false, "chat 12", "answer 1", "and then?")
	ta.wait(t, n+1)
	_, reads = preview(t, "")
	wantReads(t, reads, 1, "after a chat continued")

	// Another format is checked apart.
	_, reads = preview(t, "?format=dpo-jsonl")
	wantReads(t, reads, n, "first preview of preference pairs")
	_, reads = preview(t, "?format=dpo-jsonl")
	wantReads(t, reads, 0, "second preview of preference pairs")
}
