package load

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/store"
)

// storedMarkers opens the database a stopped binary left in dataDir and returns the
// markers with prefix found in the stored request bodies (decoded by the store).
func storedMarkers(t testing.TB, dataDir, prefix string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, app.DatabasePath(dataDir))
	if err != nil {
		t.Fatalf("open the database the binary left: %v", err)
	}
	defer db.Close()
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9a-z]+`)
	found := map[string]bool{}
	const page = 500
	for off := 0; ; off += page {
		items, total, err := db.ListExchanges(ctx, store.ExchangeListOptions{Limit: page, Offset: off})
		if err != nil {
			t.Fatalf("list stored exchanges: %v", err)
		}
		for _, it := range items {
			ex, err := db.Exchange(ctx, it.ID)
			if err != nil {
				t.Fatalf("read stored exchange: %v", err)
			}
			for _, m := range re.FindAll(ex.ReqBody, -1) {
				found[string(m)] = true
			}
		}
		if off+page >= total {
			return found
		}
	}
}

// lost returns the markers of acks that are not stored.
func lost(acks []ack, stored map[string]bool) []string {
	var out []string
	for _, a := range acks {
		if !stored[a.marker] {
			out = append(out, a.marker)
		}
	}
	sort.Strings(out)
	return out
}

// lossReport says plainly what was lost: "acknowledged 1000, stored 958: 42 lost: markers …".
func lossReport(what string, acked int, missing []string) string {
	const show = 15
	list := strings.Join(missing[:min(len(missing), show)], " ")
	if len(missing) > show {
		list += fmt.Sprintf(" … (%d more)", len(missing)-show)
	}
	return fmt.Sprintf("%s: acknowledged %d, stored %d: %d lost: markers %s",
		what, acked, acked-len(missing), len(missing), list)
}
