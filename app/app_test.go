package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/llmtap/llmtap/app/access"
	"github.com/llmtap/llmtap/internal/apptest"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

const testKey = apptest.Key

// fakeOpenAI answers chat completions the way the OpenAI API does (apptest.FakeOpenAI).
func fakeOpenAI(t *testing.T) *httptest.Server { return apptest.FakeOpenAI(t) }

// testApp is an app listening on loopback with its API served (internal/apptest).
type testApp struct {
	*App
	*apptest.Client
	proxyURL string
	api      *httptest.Server
}

func startApp(t *testing.T, target string) *testApp {
	t.Helper()
	return startAppIn(t, t.TempDir(), Config{Target: target})
}

// startAppIn opens an app with cfg over the data folder dir, on a free port, and
// starts it (apptest.Start: it shuts down when t ends).
func startAppIn(t *testing.T, dir string, cfg Config) *testApp {
	t.Helper()
	cfg.ProxyAddr, cfg.DataDir = "127.0.0.1:0", dir
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return asTestApp(a, apptest.Start(t, a))
}

// asTestApp is a, listening, driven by c.
func asTestApp(a *App, c *apptest.Client) *testApp {
	return &testApp{App: a, Client: c, proxyURL: c.ProxyURL, api: c.API}
}

// chat sends one chat completion through the proxy and returns the answer text.
func (ta *testApp) chat(t *testing.T, stream bool, msgs ...string) string {
	t.Helper()
	return ta.Chat(t, stream, msgs...)
}

func (ta *testApp) getJSON(t *testing.T, path string, dst any) int {
	t.Helper()
	return ta.GetJSON(t, path, dst)
}

func (ta *testApp) wait(t *testing.T, n int64) {
	t.Helper()
	ta.Wait(t, n)
}

// sendRaw sends one chat completion body through the proxy and returns the answer's body.
func (ta *testApp) sendRaw(t *testing.T, body string) []byte {
	t.Helper()
	return ta.SendRaw(t, body)
}

func TestCaptureEndToEnd(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)

	a1 := ta.chat(t, false, "hello")
	a2 := ta.chat(t, true, "hello", a1, "and then?")
	ta.chat(t, false, "hello", a1, "and then?", a2, "last one")
	ta.chat(t, true, "a different chat")
	ta.wait(t, 4)

	var page ConversationPage
	if code := ta.getJSON(t, "/api/conversations", &page); code != 200 {
		t.Fatalf("GET /api/conversations = %d", code)
	}
	if page.Total != 2 {
		t.Fatalf("conversations = %d, want 2 (one per chat): %+v", page.Total, page.Items)
	}
	var d store.Detail
	ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", page.Items[1].ID), &d)
	want := "user:hello assistant:answer 1 user:and then? assistant:answer 2 user:last one assistant:answer 3"
	if got := transcript(d.Messages); got != want {
		t.Errorf("multi-turn chat = %q, want %q", got, want)
	}

	var st Status
	ta.getJSON(t, "/api/status", &st)
	if st.Exchanges != 4 || st.Conversations != 2 || !st.Capturing || st.BaseURL != ta.proxyURL+"/v1" {
		t.Errorf("status = %+v, want 4 exchanges, 2 conversations, capturing, base URL %s/v1", st, ta.proxyURL)
	}
}

// transcript is "role:content" of each message, space-separated.
func transcript(msgs []store.Message) string {
	var turns []string
	for _, m := range msgs {
		turns = append(turns, string(m.Role)+":"+m.Content)
	}
	return strings.Join(turns, " ")
}

func TestAPIKeyNeverReachesDisk(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.chat(t, false, "keep my key secret")
	ta.chat(t, true, "stream too")
	ta.chat(t, false, "a careless paste: "+testKey) // the key in a body, scrubbed as well
	ta.wait(t, 3)
	// Bodies are stored compressed, where a grep of the files cannot see them: read
	// each exchange back as stored.
	items, _, err := ta.DB().ListExchanges(t.Context(), store.ExchangeListOptions{Limit: 100})
	if err != nil || len(items) != 3 {
		t.Fatalf("ListExchanges = %d items, %v", len(items), err)
	}
	for _, it := range items {
		e, err := ta.DB().Exchange(t.Context(), it.ID)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := json.Marshal(e)
		if bytes.Contains(all, []byte("APPSECRET987654")) || bytes.Contains(e.ReqBody, []byte("APPSECRET987654")) {
			t.Errorf("exchange %d as stored holds the API key", e.ID)
		}
		if !bytes.Contains(e.ReqBody, []byte(`"messages"`)) {
			t.Errorf("exchange %d: request body not read back (%d bytes)", e.ID, len(e.ReqBody))
		}
	}
	dir := ta.DataDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ta.Shutdown(ctx); err != nil { // flush the WAL into the files we read
		t.Fatal(err)
	}
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("APPSECRET987654")) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCaptureOffForwardsButStoresNothing(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.SetCapture(false)
	if got := ta.chat(t, false, "not recorded"); got != "answer 1" {
		t.Fatalf("answer with capture off = %q, want %q", got, "answer 1")
	}
	ta.SetCapture(true)
	ta.chat(t, false, "recorded")
	ta.wait(t, 1)
	var st Status
	ta.getJSON(t, "/api/status", &st)
	if st.Exchanges != 1 {
		t.Errorf("exchanges = %d, want 1 (only the one sent while capturing)", st.Exchanges)
	}
}

func TestShutdownDrainsQueue(t *testing.T) {
	up := fakeOpenAI(t)
	dir := t.TempDir()
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: dir, Target: up.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ListenProxy(); err != nil {
		t.Fatal(err)
	}
	ta := asTestApp(a, &apptest.Client{ProxyURL: "http://" + a.ProxyAddr(), Indexed: a.WaitIndexed})
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ta.chat(t, i%2 == 0, fmt.Sprintf("parallel chat %d", i))
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil { // no WaitWritten: Shutdown itself must drain
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), DatabasePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Exchanges != n || c.Conversations != n {
		t.Errorf("after shutdown %+v, want %d exchanges and conversations", c, n)
	}
}

func TestDecodeBody(t *testing.T) {
	const plain = `{"ok":true}`
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(plain))
	zw.Close()
	bw := brotli.NewWriter(&br)
	bw.Write([]byte(plain))
	bw.Close()
	zenc, _ := zstd.NewWriter(nil)
	zs := zenc.EncodeAll([]byte(plain), nil)
	var df bytes.Buffer
	fw, _ := flate.NewWriter(&df, flate.DefaultCompression)
	fw.Write([]byte(plain))
	fw.Close()
	var zl bytes.Buffer
	zlw := zlib.NewWriter(&zl)
	zlw.Write([]byte(plain))
	zlw.Close()
	tests := []struct {
		name    string
		enc     string
		body    []byte
		want    string
		wantErr bool
	}{
		{"identity", "", []byte("plain"), "plain", false},
		{"gzip", "gzip", gz.Bytes(), plain, false},
		{"brotli", "br", br.Bytes(), plain, false},
		{"zstd", "zstd", zs, plain, false},
		{"deflate_zlib", "deflate", zl.Bytes(), plain, false},
		{"deflate_raw", "deflate", df.Bytes(), plain, false},
		{"corrupt_brotli_kept_raw", "br", []byte("not brotli"), "not brotli", true},
		{"corrupt_gzip_kept_raw", "gzip", []byte("not gzip"), "not gzip", true},
		{"unknown_encoding_kept_raw", "compress", []byte("xyz"), "xyz", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.enc != "" {
				h.Set("Content-Encoding", tt.enc)
			}
			got, err := decodeBody(h, tt.body)
			if string(got) != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("decodeBody(%s) = %q, %v; want %q, error %v", tt.enc, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestGeminiModelComesFromPath: Gemini requests name their model only in the path.
func TestGeminiModelComesFromPath(t *testing.T) {
	ex := &proxy.Exchange{
		Method: "POST", Path: "/v1beta/models/gemini-2.5-flash:generateContent", Status: 200,
		ReqHeader: http.Header{}, RespHeader: http.Header{},
		ReqBody: []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`),
		RespBody: []byte(`{"candidates":[{"content":{"role":"model","parts":[{"text":"hello"}]},"finishReason":"STOP"}],` +
			`"modelVersion":"gemini-2.5-flash-001"}`),
	}
	c := toCapture(ex)
	if c.Round == nil {
		t.Fatalf("toCapture gave no round: %s", c.Exchange.ParseErr)
	}
	if c.Round.Model != "gemini-2.5-flash" {
		t.Errorf("model = %q, want %q (from the path)", c.Round.Model, "gemini-2.5-flash")
	}
}

// TestListenProxyRefusesExposureWithoutToken: whatever the shell, the proxy never
// binds beyond loopback without a proxy token, and says which setting is missing.
func TestListenProxyRefusesExposureWithoutToken(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is on no machine: even a missing check could not bind it.
	a, err := Open(t.Context(), Config{DataDir: t.TempDir(), ProxyAddr: "192.0.2.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(t.Context())
	err = a.ListenProxy()
	if err == nil || !strings.Contains(err.Error(), "proxy token") || !errors.Is(err, access.ErrExposed) {
		t.Fatalf("ListenProxy on a non-loopback address without a token = %v, want an error naming the proxy token", err)
	}
	if got := a.ProxyError(); got == "" {
		t.Error("ProxyError() is empty: the window would not say why the proxy is not listening")
	}
}
