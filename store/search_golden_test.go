package store

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/llmtap/llmtap/dataset"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata")

// searchResult is what a search shows: how many conversations match, and each row's
// first user line and snippet, newest first.
type searchResult struct {
	Total int         `json:"total"`
	Rows  [][2]string `json:"rows,omitempty"`
	Error string      `json:"error,omitempty"`
}

// searchGolden runs each query against db and compares what the list shows with
// testdata/search/<name>.golden.json (-update rewrites it).
func searchGolden(t *testing.T, db *DB, name string, queries []string) {
	t.Helper()
	got := map[string]searchResult{}
	for _, q := range queries {
		items, total, err := db.ListConversations(t.Context(), ListOptions{Query: q, Limit: 50})
		r := searchResult{Total: total}
		if err != nil {
			r.Error = err.Error()
		}
		for _, s := range items {
			r.Rows = append(r.Rows, [2]string{s.Title, s.Snippet})
		}
		got[q] = r
	}
	path := filepath.Join("testdata", "search", name+".golden.json")
	if *updateGolden {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // snippets are HTML: keep them readable in review
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var want map[string]searchResult
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("search results differ from %s (-want +got):\n%s", path, d)
	}
}

// englishCorpus is captured traffic in English (and a Latin script with accents):
// words, prefixes, phrases, model names, markup and a long answer.
func englishCorpus() []*dataset.Round {
	long := "Start of a long answer about lighthouses. "
	for range 400 {
		long += "The keeper climbs the stairs, trims the wick and logs the weather. "
	}
	long += "The very last words mention an albatross."
	return []*dataset.Round{
		round(msgs(user("tide tables for Lisbon, please")), bot("High tide is at 12:40 and low tide at 18:55.")),
		round(msgs(user("which model is gpt-4o-mini?")), bot("A smaller, cheaper GPT-4o; don't use it for long proofs.")),
		round(msgs(user("regex for e-mail addresses")), bot("Use a parser; a regular expression like ^[^@]+@[^@]+$ is only a first check.")),
		round(msgs(user("Write <b>bold</b> & keep it")), bot("Here is <b>bold</b> text & an ampersand.")),
		round(msgs(user("un café crème, s'il vous plaît")), bot("Voilà votre café.")),
		round(msgs(user("tell me about lighthouses")), bot(long)),
		round(msgs(user("sourdough starter"), bot("Feed it daily."), user("and the tide tables?")), bot("Ask the harbour master.")),
	}
}

// TestSearchEnglishGolden pins what searches in English show, rows and snippets,
// so that indexing other scripts changes none of it.
func TestSearchEnglishGolden(t *testing.T) {
	db := openTest(t)
	write(t, db, englishCorpus()...)
	searchGolden(t, db, "english", []string{
		"tide", "TIDE", "tid*", `"tide tables"`, "tide OR regex", "tide NOT lisbon", "gpt-4o-mini", "gpt-4o",
		"don't", "<b>bold</b>", "cafe", "café", "parser regular", "keeper", "albatross", "nothing", `"unclosed`,
	})
}
