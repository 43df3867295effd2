package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/llmtap/llmtap/store"
)

// TestHealthThroughApp sends a bounded load with known failures through the real
// proxy and app (an upstream that answers 429, 500 and 504, cuts a stream, or is
// waited on until the client gives up) and checks GET /api/health counts each.
func TestHealthThroughApp(t *testing.T) {
	arrived := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		model := strings.TrimSuffix(strings.TrimPrefix(string(body), `{"model":"`), `","stream":true}`)
		sse := func(s string) {
			fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":%q},\"finish_reason\":null}]}\n\n", model, s)
			w.(http.Flusher).Flush()
		}
		switch model {
		case "good", "cut":
			w.Header().Set("Content-Type", "text/event-stream")
			sse("hello")
			if model == "cut" {
				panic(http.ErrAbortHandler) // the connection drops mid-stream
			}
			fmt.Fprint(w, "data: [DONE]\n\n")
		case "limited":
			http.Error(w, `{"error":{"message":"slow down"}}`, http.StatusTooManyRequests)
		case "broken":
			http.Error(w, `{"error":{"message":"oops"}}`, http.StatusInternalServerError)
		case "gateway":
			http.Error(w, `{"error":{"message":"upstream timed out"}}`, http.StatusGatewayTimeout)
		case "slow":
			arrived <- struct{}{}
			<-r.Context().Done() // never answers; the client gives up
		}
	}))
	t.Cleanup(up.Close)
	ta := startApp(t, up.URL)

	send := func(ctx context.Context, model string) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ta.proxyURL+"/v1/chat/completions",
			strings.NewReader(`{"model":"`+model+`","stream":true}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the cut stream and the abandoned request end so
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	load := map[string]int{"good": 6, "limited": 3, "broken": 2, "gateway": 1, "cut": 2}
	total := 0
	for model, n := range load {
		for range n {
			send(t.Context(), model)
			total++
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { send(ctx, "slow"); close(done) }()
	<-arrived
	cancel()
	<-done
	total++
	ta.wait(t, int64(total))

	var h store.Health
	if code := ta.getJSON(t, "/api/health?window=24h", &h); code != http.StatusOK {
		t.Fatalf("GET /api/health = %d", code)
	}
	host := strings.TrimPrefix(up.URL, "http://")
	if len(h.Hosts) != 1 || h.Hosts[0].Name != host {
		t.Fatalf("hosts = %+v, want one row for %s", h.Hosts, host)
	}
	got := h.Hosts[0]
	want := store.HealthErrors{ByStatus: map[string]int{"429": 3}, Server: 2, Timeouts: 1, Cut: 2, Aborted: 1}
	if got.Requests != total || got.OK != 6 || got.SuccessRate != 6.0/float64(total) {
		t.Errorf("host %s: requests %d ok %d rate %v, want %d, 6, %v", host, got.Requests, got.OK, got.SuccessRate, total, 6.0/float64(total))
	}
	if diff := cmp.Diff(want, got.Errors); diff != "" {
		t.Errorf("host errors (-want +got):\n%s", diff)
	}
	// Orderings only: the figures are wall-clock times.
	if got.TTFBP50MS > got.LatencyP50MS || got.LatencyP50MS > got.LatencyP95MS || got.TTFBP50MS > got.TTFBP95MS {
		t.Errorf("host figures out of order: %+v", got)
	}
	var models []string
	for _, m := range h.Models {
		models = append(models, fmt.Sprintf("%s %d/%d", m.Name, m.OK, m.Requests))
	}
	wantModels := []string{"good 6/6", "limited 0/3", "broken 0/2", "cut 0/2", "gateway 0/1", "slow 0/1"}
	if diff := cmp.Diff(wantModels, models, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("models ok/requests (-want +got):\n%s", diff)
	}
	for _, q := range []string{"?window=all", ""} {
		if code := ta.getJSON(t, "/api/health"+q, nil); code != http.StatusOK {
			t.Errorf("GET /api/health%s = %d, want 200", q, code)
		}
	}
	if code := ta.getJSON(t, "/api/health?window="+url.QueryEscape("1 week"), nil); code != http.StatusBadRequest {
		t.Errorf("GET /api/health?window=1 week = %d, want 400", code)
	}
}
