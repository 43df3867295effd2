package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/gateway/cache"
	"github.com/llmtap/llmtap/gateway/keys"
	"github.com/llmtap/llmtap/store"
)

// cachingGateway stands in for the gateway's cache path until it is wired: it
// answers from c when the request asks for the cache and it holds the answer, and
// otherwise relays to next, recording the answer with a cache.Recorder. Each read
// is written and flushed on its own, as the proxy relays.
func cachingGateway(t *testing.T, next string, c cache.Store) *httptest.Server {
	t.Helper()
	rec := &cache.Recorder{Store: c, TTL: time.Hour, OnError: func(_ string, err error) { t.Errorf("cache put: %v", err) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := cache.Key("gpt-test", body)
		on := cache.Wants(r, false)
		var resp *http.Response
		if on {
			if e, ok, err := c.Get(r.Context(), key, time.Now()); err != nil {
				t.Errorf("cache get: %v", err)
			} else if ok {
				resp = cache.Replay(e)
			}
		}
		if resp == nil {
			out, _ := http.NewRequestWithContext(r.Context(), r.Method, next+r.URL.Path, bytes.NewReader(body))
			out.Header = r.Header.Clone()
			out.Header.Del(cache.Header)
			var err error
			if resp, err = http.DefaultTransport.RoundTrip(out); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			if on {
				resp = rec.Wrap(r.Context(), key, resp)
			}
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			w.Write(buf[:n])
			w.(http.Flusher).Flush()
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCacheHitIsCapturedButNeverThreaded drives the proxy, the capture log and the
// store with a caching gateway behind: a hit is stored as an exchange marked as a
// cache hit, never becomes a turn (at capture nor at reindex), and each exchange
// keeps the forward key that made it, which the review list filters by.
func TestCacheHitIsCapturedButNeverThreaded(t *testing.T) {
	up := fakeOpenAI(t)
	cacheDB, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cacheDB.Close() })
	gw := cachingGateway(t, up.URL, newCacheStore(cacheDB, func() int64 { return 1 << 20 }))
	ta := startApp(t, gw.URL)

	send := func(stream bool, text, forwardKey string) (string, http.Header) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"model": "gpt-test", "stream": stream,
			"messages": []map[string]string{{"role": "user", "content": text}}})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", ta.proxyURL+"/v1/chat/completions", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set(cache.Header, "on")
		if forwardKey != "" {
			// What the gateway sets on the captured copy; sent here by the client,
			// it crosses the proxy's redaction the same way.
			req.Header.Set(keys.CaptureHeader, forwardKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("chat: %d %s", resp.StatusCode, b)
		}
		return string(b), resp.Header
	}
	streamed, h1 := send(true, "stream me", "team")
	replayed, h2 := send(true, "stream me", "ci")
	answer, _ := send(false, "json me", "ci")
	again, h4 := send(false, "json me", "")
	if h1.Get(cache.Header) != "" || h2.Get(cache.Header) != "hit" || h4.Get(cache.Header) != "hit" {
		t.Fatalf("cache headers %q %q %q, want a miss then hits", h1.Get(cache.Header), h2.Get(cache.Header), h4.Get(cache.Header))
	}
	if replayed != streamed || again != answer || !strings.Contains(streamed, "data: [DONE]") {
		t.Fatalf("replayed answers differ from the originals:\n%q\n%q\n%q\n%q", streamed, replayed, answer, again)
	}
	ta.wait(t, 4)

	var ex ExchangePage
	ta.getJSON(t, "/api/exchanges", &ex)
	var marks []string
	hits := map[int64]bool{}
	for i := len(ex.Items) - 1; i >= 0; i-- { // oldest first
		e := ex.Items[i]
		marks = append(marks, fmt.Sprintf("%v/%s", e.CacheHit, e.ForwardKey))
		if e.CacheHit {
			hits[e.ID] = true
			if !strings.Contains(e.ParseErr, "response cache") {
				t.Errorf("hit exchange %d parse error %q, want it to say the response cache answered", e.ID, e.ParseErr)
			}
		}
	}
	if got, want := strings.Join(marks, " "), "false/team true/ci false/ci true/"; got != want {
		t.Errorf("exchanges' cache hit/forward key = %q, want %q", got, want)
	}

	check := func(when string) {
		t.Helper()
		var page ConversationPage
		ta.getJSON(t, "/api/conversations", &page)
		if page.Total != 2 {
			t.Fatalf("%s: %d conversations, want 2", when, page.Total)
		}
		for _, c := range page.Items {
			var d store.Detail
			ta.getJSON(t, fmt.Sprintf("/api/conversations/%d", c.ID), &d)
			if c.Rounds != 1 || len(d.Messages) != 2 {
				t.Errorf("%s: conversation %d has %d rounds, %d messages; want the one round of its miss", when, c.ID, c.Rounds, len(d.Messages))
			}
			for _, m := range d.Messages {
				if hits[m.ExchangeID] {
					t.Errorf("%s: message %q comes from cache hit exchange %d", when, m.Content, m.ExchangeID)
				}
			}
		}
		for _, f := range []struct{ key, want string }{{"team", "stream me"}, {"ci", "json me"}, {"nobody", ""}} {
			var page ConversationPage
			ta.getJSON(t, "/api/conversations?forward_key="+f.key, &page)
			got := ""
			if len(page.Items) == 1 {
				got = page.Items[0].Title
			}
			if page.Total != len(page.Items) || (f.want == "") != (page.Total == 0) || !strings.Contains(got, f.want) {
				t.Errorf("%s: ?forward_key=%s = %d conversations (%q), want the one titled %q", when, f.key, page.Total, got, f.want)
			}
		}
	}
	check("after capture")
	if _, err := Reindex(t.Context(), ta.DB(), 0, nil); err != nil {
		t.Fatal(err)
	}
	check("after reindex")
}

// TestCacheStoreReplaysChunks puts an answer through the SQLite store as the
// gateway sees it and checks the replay yields the recorded reads byte for byte.
func TestCacheStoreReplaysChunks(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := newCacheStore(db, func() int64 { return 4096 })
	chunks := []string{"data: {\"a\":1}\n\n", "data: {\"b\":", "2}\n\n", "data: [DONE]\n\n"}
	var lengths []int
	for _, c := range chunks {
		lengths = append(lengths, len(c))
	}
	now := time.Now()
	e := &cache.Entry{Status: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: []byte(strings.Join(chunks, "")), Chunks: lengths, Stream: true, Created: now}
	if err := s.Put(t.Context(), "k", e, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(t.Context(), "k", now)
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	resp := cache.Replay(got)
	buf := make([]byte, 1<<10)
	for i, want := range chunks {
		n, err := resp.Body.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("read %d = %q, %v, want %q", i, buf[:n], err, want)
		}
	}
	if n, err := resp.Body.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read past the end = %d, %v, want 0, EOF", n, err)
	}
	if resp.Header.Get(cache.Header) != "hit" || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("replay header %v", resp.Header)
	}
	if _, ok, _ := s.Get(t.Context(), "k", now.Add(time.Minute)); ok {
		t.Error("Get after the TTL hit")
	}
	big := &cache.Entry{Status: 200, Body: bytes.Repeat([]byte{0}, 8192), Created: now}
	for i := range big.Body {
		big.Body[i] = byte(i*i*7919>>3) ^ byte(i>>5)
	}
	if err := s.Put(t.Context(), "big", big, time.Minute); !errors.Is(err, cache.ErrTooLarge) {
		t.Errorf("Put over the cap = %v, want cache.ErrTooLarge", err)
	}
}
