package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRerankListedNeverChat sends Jina-, Cohere- and Voyage-shaped rerank calls
// through the real app: each is stored with the rerank dialect, listed under
// kind=rerank and not under chat, with no parse error and no conversation.
func TestRerankListedNeverChat(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/rerank": // Jina
			_, _ = w.Write([]byte(`{"model":"jina-reranker-v2-base-multilingual","usage":{"total_tokens":12},"results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]}`))
		case "/v2/rerank": // Cohere
			_, _ = w.Write([]byte(`{"id":"r1","results":[{"index":1,"relevance_score":0.9}],"meta":{"billed_units":{"search_units":1}}}`))
		case "/voyage/v1/rerank": // Voyage
			_, _ = w.Write([]byte(`{"object":"list","data":[{"index":1,"relevance_score":0.9}],"model":"rerank-2","usage":{"total_tokens":12}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(up.Close)
	ta := startApp(t, up.URL)
	tests := []struct {
		name string
		path string
		body string
	}{
		{"jina", "/v1/rerank", `{"model":"jina-reranker-v2-base-multilingual","query":"q","documents":["a","b"],"top_n":2}`},
		{"cohere", "/v2/rerank", `{"model":"rerank-v3.5","query":"q","documents":["a","b"],"top_n":1}`},
		{"voyage", "/voyage/v1/rerank", `{"model":"rerank-2","query":"q","documents":["a","b"],"top_k":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(ta.proxyURL+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST %s = %d, want 200", tt.path, resp.StatusCode)
			}
		})
	}
	ta.wait(t, int64(len(tests)))
	for _, q := range []struct {
		kind string
		want int
	}{{"rerank", len(tests)}, {"chat", 0}, {"errors", 0}} {
		var page ExchangePage
		if code := ta.getJSON(t, "/api/exchanges?kind="+q.kind, &page); code != 200 || page.Total != q.want {
			t.Errorf("GET /api/exchanges?kind=%s = %d, total %d; want 200, %d", q.kind, code, page.Total, q.want)
		}
		for _, e := range page.Items {
			if e.Dialect != "rerank" || e.ParseErr != "" {
				t.Errorf("exchange %d %s: dialect %q, parse error %q; want rerank and none", e.ID, e.Path, e.Dialect, e.ParseErr)
			}
		}
	}
	var st Status
	ta.getJSON(t, "/api/status", &st)
	if st.Conversations != 0 {
		t.Errorf("conversations = %d, want 0: rerank calls never become chats", st.Conversations)
	}
}
