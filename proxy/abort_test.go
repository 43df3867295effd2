package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

const firstChunk = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"

func TestProxyClientAbort(t *testing.T) {
	canceled := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, firstChunk)
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		close(canceled)
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(`{"stream":true}`))
	resp, err := newClient(t).Do(req)
	if err != nil {
		t.Fatalf("POST through proxy: %v", err)
	}
	defer resp.Body.Close()
	if got := readChunk(t, resp.Body, len(firstChunk)); string(got) != firstChunk {
		t.Fatalf("first chunk = %q, want %q", got, firstChunk)
	}
	cancel()
	wait(t, canceled, "the upstream request to be canceled")

	ex := rec.next(t)
	if !ex.Aborted || ex.Err != "" || !ex.Stream || string(ex.RespBody) != firstChunk {
		t.Errorf("exchange aborted %v err %q stream %v body %q, want true \"\" true %q", ex.Aborted, ex.Err, ex.Stream, ex.RespBody, firstChunk)
	}
}

func TestProxyUpstreamReset(t *testing.T) {
	tests := []struct {
		name          string
		contentLength string // "" streams with chunked encoding
	}{
		{"chunked_stream", ""},
		{"short_content_length", "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				if tt.contentLength != "" {
					w.Header().Set("Content-Length", tt.contentLength)
				}
				io.WriteString(w, firstChunk)
				http.NewResponseController(w).Flush()
				panic(http.ErrAbortHandler) // cut the connection mid-body
			})
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL})

			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", strings.NewReader(`{"stream":true}`))
			resp, err := newClient(t).Do(req)
			if err != nil {
				t.Fatalf("POST through proxy: %v", err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Errorf("client read %q and a clean end, want an error after the upstream reset", body)
			}
			if string(body) != firstChunk {
				t.Errorf("client got %q before the reset, want %q", body, firstChunk)
			}
			ex := rec.next(t)
			if ex.Err == "" || ex.Aborted || string(ex.RespBody) != firstChunk {
				t.Errorf("exchange err %q aborted %v body %q, want an error, not aborted, %q", ex.Err, ex.Aborted, ex.RespBody, firstChunk)
			}
		})
	}
}

func TestProxyConcurrent(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.Copy(w, r.Body) // echo
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
	c := newClient(t)

	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"request":%d}`, i)
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1/r/%d", px.URL, i), strings.NewReader(body))
			resp, err := c.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			if got, err := io.ReadAll(resp.Body); err != nil || string(got) != body {
				t.Errorf("request %d got %q, %v; want %q", i, got, err, body)
			}
		})
	}
	wg.Wait()

	seen := make(map[string]bool, n)
	for range n {
		ex := rec.next(t)
		if seen[ex.Path] {
			t.Errorf("two exchanges for %s, want one", ex.Path)
		}
		seen[ex.Path] = true
		var i int
		fmt.Sscanf(ex.Path, "/v1/r/%d", &i)
		if want := fmt.Sprintf(`{"request":%d}`, i); string(ex.RespBody) != want || string(ex.ReqBody) != want {
			t.Errorf("exchange for %s has bodies %q and %q, want %q", ex.Path, ex.ReqBody, ex.RespBody, want)
		}
	}
}
