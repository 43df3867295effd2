package export_test

// The harness of the export tests: a real app (proxy, capture log, indexer, API)
// over a fake OpenAI upstream (internal/apptest, which app's own tests share), and
// the threading cases stored as capture stores them. The export tests are an
// external package because the export is wired into app, which they start.

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/internal/apptest"
	"github.com/llmtap/llmtap/internal/threadcase"
	"github.com/llmtap/llmtap/store"
)

const testKey = apptest.Key

// threadingDir holds the threading cases (internal/threadcase).
const threadingDir = "../../dataset/testdata/threading"

// fakeOpenAI answers chat completions the way the OpenAI API does (apptest.FakeOpenAI).
func fakeOpenAI(t *testing.T) *httptest.Server { return apptest.FakeOpenAI(t) }

// testApp is an app listening on loopback with its API served (internal/apptest).
type testApp struct {
	*app.App
	*apptest.Client
	proxyURL string
	api      *httptest.Server
}

func startApp(t *testing.T, target string) *testApp {
	t.Helper()
	a, err := app.Open(t.Context(), app.Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir(), Target: target})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	c := apptest.Start(t, a)
	return &testApp{App: a, Client: c, proxyURL: c.ProxyURL, api: c.API}
}

func (ta *testApp) chat(t *testing.T, stream bool, msgs ...string) string {
	t.Helper()
	return ta.Chat(t, stream, msgs...)
}

func (ta *testApp) sendRaw(t *testing.T, body string) []byte {
	t.Helper()
	return ta.SendRaw(t, body)
}

func (ta *testApp) getJSON(t *testing.T, path string, dst any) int {
	t.Helper()
	return ta.GetJSON(t, path, dst)
}

func (ta *testApp) send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return ta.Send(t, method, path, body)
}

func (ta *testApp) wait(t *testing.T, n int64) {
	t.Helper()
	ta.Wait(t, n)
}

func (ta *testApp) ids(t *testing.T) map[string]int64 {
	t.Helper()
	return ta.IDs(t)
}

// exportFixture captures seven one-round chats, edits the answer of the first and
// marks the answer of the last "don't train", so it cannot be exported
// (apptest.ExportFixture).
func exportFixture(t *testing.T) *testApp {
	t.Helper()
	ta := startApp(t, fakeOpenAI(t).URL)
	apptest.ExportFixture(t, ta.Client)
	return ta
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	return apptest.ReadLines(t, path)
}

// readCase reads the exchanges of threading case name.
func readCase(t *testing.T, name string) []threadcase.Exchange {
	t.Helper()
	exs, err := threadcase.Read(filepath.Join(threadingDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// storeCase writes the exchanges of threading case name into a new store, as
// capture does (app.Convert).
func storeCase(t *testing.T, name string) *store.DB {
	t.Helper()
	return threadcase.NewStore(t, filepath.Join(threadingDir, name), app.Convert)
}

// replayPreferenceTraffic replays the preference_traffic case through the real
// proxy, capture log and indexer of a new app, and returns it with the ID of the
// one conversation the traffic makes.
func replayPreferenceTraffic(t *testing.T) (*testApp, int64) {
	t.Helper()
	exs := readCase(t, "preference_traffic")
	var next atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(next.Add(1)) - 1
		if i >= len(exs) {
			http.Error(w, "no more exchanges", http.StatusGone)
			return
		}
		for k, v := range exs[i].Ex.RespHeader {
			w.Header()[k] = v
		}
		w.WriteHeader(exs[i].Ex.Status)
		w.Write(exs[i].Ex.RespBody)
	}))
	t.Cleanup(up.Close)
	ta := startApp(t, up.URL)
	for _, ex := range exs {
		req, err := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+ex.Ex.Path, bytes.NewReader(ex.Ex.ReqBody))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = ex.Ex.ReqHeader.Clone()
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("exchange %s through the proxy: %v", ex.Name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("exchange %s through the proxy: status %d", ex.Name, resp.StatusCode)
		}
	}
	ta.wait(t, int64(len(exs)))
	ids, err := ta.DB().ExportIDs(t.Context(), store.ExportFilter{})
	if err != nil || len(ids) != 1 {
		t.Fatalf("ExportIDs = %v, %v; want one conversation", ids, err)
	}
	return ta, ids[0]
}
