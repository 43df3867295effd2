package proxy_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// TestNewKnownHosts checks each host added for issue 15 is in KnownHosts and
// reached in host form, with a real API path of that provider.
func TestNewKnownHosts(t *testing.T) {
	sent := make(chan *http.Request, 1)
	fake := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent <- r
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: 2,
			Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	px, _, rec := startProxy(t, proxy.Config{Transport: fake})
	tests := []struct {
		name string
		host string
		path string
	}{
		{"jina_rerank", "api.jina.ai", "/v1/rerank"},
		{"jina_deepsearch", "deepsearch.jina.ai", "/v1/chat/completions"},
		{"cohere_com", "api.cohere.com", "/v2/rerank"},
		{"cohere_ai", "api.cohere.ai", "/v1/rerank"},
		{"voyage", "api.voyageai.com", "/v1/rerank"},
		{"zhipu", "open.bigmodel.cn", "/api/paas/v4/chat/completions"},
		{"zhipu_anthropic", "open.bigmodel.cn", "/api/anthropic/v1/messages"},
		{"moonshot_anthropic", "api.moonshot.cn", "/anthropic/v1/messages"},
		{"deepseek_anthropic", "api.deepseek.com", "/anthropic/v1/messages"},
		{"qianfan", "qianfan.baidubce.com", "/v2/chat/completions"},
		{"baidu_aip", "aip.baidubce.com", "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions"},
		{"volcengine_ark", "ark.cn-beijing.volces.com", "/api/v3/chat/completions"},
		{"minimax_chat", "api.minimax.chat", "/v1/text/chatcompletion_v2"},
		{"minimaxi", "api.minimaxi.com", "/anthropic/v1/messages"},
		{"xai", "api.x.ai", "/v1/chat/completions"},
		{"perplexity", "api.perplexity.ai", "/chat/completions"},
		{"fireworks", "api.fireworks.ai", "/inference/v1/chat/completions"},
	}
	known := proxy.KnownHosts()
	c := newClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Contains(known, tt.host) {
				t.Errorf("KnownHosts() lacks %s", tt.host)
			}
			req, _ := http.NewRequest(http.MethodPost, px.URL+"/"+tt.host+tt.path, strings.NewReader("{}"))
			resp, body := do(t, c, req)
			if resp.StatusCode != http.StatusOK || string(body) != "ok" {
				t.Fatalf("client got %d %q, want 200 ok", resp.StatusCode, body)
			}
			want := "https://" + tt.host + tt.path
			if got := (<-sent).URL.String(); got != want {
				t.Errorf("upstream URL = %q, want %q", got, want)
			}
			if ex := rec.next(t); ex.Route != "host:"+tt.host {
				t.Errorf("exchange route = %q, want host:%s", ex.Route, tt.host)
			}
		})
	}
}
