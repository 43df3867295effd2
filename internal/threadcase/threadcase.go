// Package threadcase reads the threading cases of dataset/testdata/threading: a
// folder of exchanges, NN.req and NN.resp in capture order, as the proxy would have
// handed them over. Tests of app and app/export store them as capture does.
//
// A .req file is the request as it crossed the wire: "METHOD /path?query", header
// lines, a blank line, then the body. A .resp file is "HTTP/1.1 STATUS", header
// lines, a blank line, then the body exactly as the provider sent it (JSON, SSE or
// NDJSON). Leading "# " lines are directives, not wire data:
//   - in .req: "# after 7h": the request started that long after the one before
//     (one minute when absent);
//   - in .resp: "# aborted": the client hung up before the body was complete;
//     "# error TEXT": the proxy recorded this transport error.
//
// It imports proxy (the Exchange) and store (to store a case), nothing else of llmtap.
package threadcase

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// Exchange is one exchange of a case and the file name it came from.
type Exchange struct {
	Name string
	Ex   *proxy.Exchange
}

// Read reads a case folder's NN.req/NN.resp pairs in name order. The first
// exchange starts at 2026-03-02 21:01 UTC.
func Read(dir string) ([]Exchange, error) {
	reqs, err := filepath.Glob(filepath.Join(dir, "*.req"))
	if err != nil || len(reqs) == 0 {
		return nil, fmt.Errorf("no exchanges in %s: %v", dir, err)
	}
	sort.Strings(reqs)
	at := time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC)
	var out []Exchange
	for _, reqPath := range reqs {
		name := strings.TrimSuffix(filepath.Base(reqPath), ".req")
		req, err := readWire(reqPath)
		if err != nil {
			return nil, err
		}
		resp, err := readWire(strings.TrimSuffix(reqPath, ".req") + ".resp")
		if err != nil {
			return nil, err
		}
		after := time.Minute
		if v, ok := req.directive("after"); ok {
			if after, err = time.ParseDuration(v); err != nil {
				return nil, fmt.Errorf("%s: directive after: %w", reqPath, err)
			}
		}
		at = at.Add(after)
		method, target, _ := strings.Cut(req.start, " ")
		path, _, _ := strings.Cut(target, "?")
		host := req.header.Get("Host")
		req.header.Del("Host")
		status, err := strconv.Atoi(strings.Fields(resp.start + " 0 0")[1])
		if err != nil {
			return nil, fmt.Errorf("%s: status line %q: %w", reqPath, resp.start, err)
		}
		ct := resp.header.Get("Content-Type")
		ex := &proxy.Exchange{
			Method: method, URL: "https://" + host + target, Route: "host:" + host, Host: host, Path: path,
			ReqHeader: req.header, ReqBody: req.body, Status: status, RespHeader: resp.header, RespBody: resp.body,
			Stream: strings.HasPrefix(ct, "text/event-stream") || strings.Contains(ct, "ndjson"),
			Start:  at, FirstByte: at.Add(300 * time.Millisecond), End: at.Add(5 * time.Second),
		}
		_, ex.Aborted = resp.directive("aborted")
		ex.Err, _ = resp.directive("error")
		out = append(out, Exchange{name, ex})
	}
	return out, nil
}

// wire is one message of a .req or .resp file.
type wire struct {
	directives []string
	start      string
	header     http.Header
	body       []byte
}

func (w *wire) directive(name string) (string, bool) {
	for _, d := range w.directives {
		if k, v, _ := strings.Cut(d, " "); k == name {
			return v, true
		}
	}
	return "", false
}

func readWire(path string) (wire, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return wire{}, err
	}
	w := wire{header: http.Header{}}
	r := bufio.NewReader(bytes.NewReader(b))
	line := func() string {
		s, _ := r.ReadString('\n')
		return strings.TrimRight(s, "\r\n")
	}
	for w.start = line(); strings.HasPrefix(w.start, "# "); w.start = line() {
		w.directives = append(w.directives, strings.TrimPrefix(w.start, "# "))
	}
	for l := line(); l != ""; l = line() {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return wire{}, fmt.Errorf("%s: header line %q", path, l)
		}
		w.header.Add(k, strings.TrimSpace(v))
	}
	if w.body, err = io.ReadAll(r); err != nil {
		return wire{}, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// Names returns the names of the cases in dir whose name starts with prefix (""
// for all): the folders with a <case>.golden.json beside them.
func Names(dir, prefix string) ([]string, error) {
	cases, err := filepath.Glob(filepath.Join(dir, prefix+"*.golden.json"))
	if err != nil || len(cases) == 0 {
		return nil, fmt.Errorf("no cases %s* in %s: %v", prefix, dir, err)
	}
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = strings.TrimSuffix(filepath.Base(c), ".golden.json")
	}
	return names, nil
}

// Store writes the exchanges of the case folder dir into db one at a time, in
// order, each turned into what capture stores by convert (app's converter).
func Store(ctx context.Context, db *store.DB, dir string, convert func(*proxy.Exchange) store.Capture) error {
	exs, err := Read(dir)
	if err != nil {
		return err
	}
	for _, ex := range exs {
		if err := db.Write(ctx, []store.Capture{convert(ex.Ex)}); err != nil {
			return fmt.Errorf("write exchange %s: %w", ex.Name, err)
		}
	}
	return nil
}

// NewStore opens a new store in t's temporary folder (closed when t ends) and
// stores the case folder dir in it with Store.
func NewStore(t testing.TB, dir string, convert func(*proxy.Exchange) store.Capture) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "llmtap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Store(t.Context(), db, dir, convert); err != nil {
		t.Fatal(err)
	}
	return db
}
