package app

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/internal/threadcase"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under ../dataset/testdata/threading")

// threadingDir holds the threading cases: each is a folder <case>/ of exchanges,
// NN.req and NN.resp in capture order, and <case>.golden.json beside it.
//
// A .req file is the request as it crossed the wire: "METHOD /path?query", header
// lines, a blank line, then the body. A .resp file is "HTTP/1.1 STATUS", header
// lines, a blank line, then the body exactly as the provider sent it (JSON, SSE or
// NDJSON). Leading "# " lines are directives for the test, not wire data:
//   - in .req: "# after 7h": the request started that long after the one before
//     (one minute when absent);
//   - in .resp: "# aborted": the client hung up before the body was complete;
//     "# error TEXT": the proxy recorded this transport error.
const threadingDir = "../dataset/testdata/threading"

// TestThreadingGolden feeds each case's exchanges through capture (toCapture, then
// store.Write on a fresh database, one exchange per batch as a quiet proxy writes
// them) and compares the conversations llmtap rebuilds with the golden file.
// go test ./app -run Golden -update rewrites the golden files; review the diff like code.
func TestThreadingGolden(t *testing.T) {
	entries, err := os.ReadDir(threadingDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(threadingDir, e.Name())
			db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			var unthreaded []goldenSkip
			for _, ex := range readExchanges(t, dir) {
				c := toCapture(ex.ex)
				if c.Round == nil {
					unthreaded = append(unthreaded, goldenSkip{Exchange: ex.name, Status: ex.ex.Status, Reason: c.Exchange.ParseErr})
				}
				if err := db.Write(t.Context(), []store.Capture{c}); err != nil {
					t.Fatalf("Write exchange %s: %v", ex.name, err)
				}
			}
			got := goldenResult{Conversations: renderConversations(t, db), Unthreaded: unthreaded}
			checkThreadingGolden(t, dir+".golden.json", got)
		})
	}
}

// goldenResult is what a threading golden file holds.
type goldenResult struct {
	// Conversations are newest activity first, as the list shows them.
	Conversations []goldenConversation `json:"conversations"`
	// Unthreaded are the exchanges that gave no round, and why.
	Unthreaded []goldenSkip `json:"unthreaded,omitempty"`
}

type goldenConversation struct {
	Title   string          `json:"title"`
	Status  dataset.Status  `json:"status"`
	Model   string          `json:"model"`
	Prelude []goldenMessage `json:"prelude,omitempty"`
	// Path is the chosen path of dialogue turns, root first.
	Path []goldenMessage `json:"path"`
}

type goldenMessage struct {
	Role           dataset.Role       `json:"role"`
	Name           string             `json:"name,omitempty"`
	Content        string             `json:"content"`
	Reasoning      string             `json:"reasoning,omitempty"`
	ToolCalls      []dataset.ToolCall `json:"toolCalls,omitempty"`
	ToolCallID     string             `json:"toolCallId,omitempty"`
	EditedByClient bool               `json:"editedByClient,omitempty"`
	Opener         bool               `json:"opener,omitempty"`
	// Siblings is left out when the message has none.
	Siblings int `json:"siblings,omitempty"`
}

type goldenSkip struct {
	Exchange string `json:"exchange"`
	Status   int    `json:"status"`
	Reason   string `json:"reason"`
}

func renderConversations(t *testing.T, db *store.DB) []goldenConversation {
	t.Helper()
	items, _, err := db.ListConversations(t.Context(), store.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := []goldenConversation{}
	for _, s := range items {
		d, err := db.Conversation(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := goldenConversation{Title: d.Title, Status: d.Status, Model: d.Model, Path: []goldenMessage{}}
		for _, m := range d.Messages {
			gm := goldenMessage{Role: m.Role, Name: m.Name, Content: m.Content, Reasoning: m.Reasoning,
				ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID, EditedByClient: m.EditedByClient, Opener: m.Opener}
			if m.Siblings > 1 {
				gm.Siblings = m.Siblings
			}
			if m.ID < 0 {
				c.Prelude = append(c.Prelude, gm)
			} else {
				c.Path = append(c.Path, gm)
			}
		}
		out = append(out, c)
	}
	return out
}

func checkThreadingGolden(t *testing.T, path string, got goldenResult) {
	t.Helper()
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./app -run Golden -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// namedExchange is one exchange of a case and the file name it came from.
type namedExchange struct {
	name string
	ex   *proxy.Exchange
}

// readExchanges reads a case folder's NN.req/NN.resp pairs in name order
// (internal/threadcase).
func readExchanges(t *testing.T, dir string) []namedExchange {
	t.Helper()
	exs, err := threadcase.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]namedExchange, len(exs))
	for i, e := range exs {
		out[i] = namedExchange{e.Name, e.Ex}
	}
	return out
}
