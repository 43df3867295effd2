package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/store"
)

func TestAPIErrors(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.chat(t, false, "something to find")
	ta.wait(t, 1)

	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantInBody               string
	}{
		{"unknown_id", "GET", "/api/conversations/999", "", 404, "not found"},
		{"non_numeric_id", "GET", "/api/conversations/abc", "", 400, "positive integer"},
		{"bad_limit", "GET", "/api/conversations?limit=0", "", 400, "limit"},
		{"bad_status_filter", "GET", "/api/conversations?status=maybe", "", 400, "status"},
		{"bad_json", "PUT", "/api/conversations/1/status", "{not json", 400, "not valid JSON"},
		{"unknown_field", "PUT", "/api/conversations/1/status", `{"state":"confirmed"}`, 400, "unknown field"},
		{"bad_status_value", "PUT", "/api/conversations/1/status", `{"status":"great"}`, 400, "must be"},
		{"status_of_unknown", "PUT", "/api/conversations/999/status", `{"status":"confirmed"}`, 404, "not found"},
		{"set_status", "PUT", "/api/conversations/1/status", `{"status":"confirmed"}`, 204, ""},
		{"capture_without_on", "POST", "/api/capture", `{}`, 400, "on"},
		{"unknown_endpoint", "GET", "/api/nope", "", 404, "no such API endpoint"},
		{"wrong_method", "DELETE", "/api/status", "", 404, "DELETE /api/status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ta.api.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantInBody) {
				t.Errorf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, resp.StatusCode, b, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}

// TestUIRejectsForeignHostAndOrigin drives the UI server as a browser would: another
// page's requests (a foreign Origin, Sec-Fetch-Site: cross-site, a rebound name) are
// refused and cannot turn capture off.
func TestUIRejectsForeignHostAndOrigin(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	addr, err := ta.ServeUI("127.0.0.1:0", UIHandler(ta.APIHandler(), nil, false))
	if err != nil {
		t.Fatal(err)
	}
	const off = `{"on":false}`
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		host       string
		header     map[string]string
		wantStatus int
	}{
		{"same_origin", "GET", "/api/status", "", "", map[string]string{"Origin": "http://" + addr}, 200},
		{"no_origin", "GET", "/api/status", "", "", nil, 200},
		{"localhost_name", "GET", "/api/status", "", "localhost:1234", nil, 200},
		{"foreign_origin", "GET", "/api/status", "", "", map[string]string{"Origin": "http://evil.example"}, 403},
		{"rebound_host", "GET", "/api/status", "", "evil.example:8781", nil, 403},
		{"rebound_host_capture_off", "POST", "/api/capture", off, "evil.example:8781", nil, 403},
		{"foreign_origin_capture_off", "POST", "/api/capture", off, "", map[string]string{"Origin": "http://evil.example"}, 403},
		{"cross_site_capture_off", "POST", "/api/capture", off, "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"foreign_origin_settings", "PUT", "/api/settings", "{}", "", map[string]string{"Origin": "http://evil.example"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, strings.NewReader(tt.body))
			if tt.host != "" {
				req.Host = tt.host
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s %s host=%q %v = %d, want %d", tt.method, tt.path, tt.host, tt.header, resp.StatusCode, tt.wantStatus)
			}
			if !ta.Capturing() {
				t.Fatalf("%s %s host=%q %v turned capture off", tt.method, tt.path, tt.host, tt.header)
			}
		})
	}
}

func TestExchangesAPI(t *testing.T) {
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	ta.chat(t, false, "list my exchanges")
	req, _ := http.NewRequest("GET", ta.proxyURL+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ta.wait(t, 2)

	tests := []struct {
		name      string
		query     string
		wantTotal int
	}{
		{"all", "", 2},
		{"chat", "?kind=chat", 1},
		{"other", "?kind=other", 1},
		{"errors", "?kind=errors", 1}, // the fake upstream answers GET /v1/models with 400
		{"status_class", "?status=4xx", 1},
		{"model", "?model=gpt-test", 1},
		{"text", "?q=MODELS", 1},
		{"text_in_body", "?q=LIST+MY+EXCHANGES", 1},
		{"text_not_in_bodies", "?q=list+my+exchanges&bodies=0", 0},
		{"dialect_and_host", "?dialect=openai-chat&host=" + strings.TrimPrefix(up.URL, "http://"), 1},
		{"until_yesterday", "?until=" + time.Now().AddDate(0, 0, -1).Format(time.DateOnly), 0},
		{"since_yesterday", "?since=" + time.Now().AddDate(0, 0, -1).Format(time.DateOnly), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page ExchangePage
			if code := ta.getJSON(t, "/api/exchanges"+tt.query, &page); code != 200 || page.Total != tt.wantTotal {
				t.Errorf("GET /api/exchanges%s = %d, total %d; want 200, %d", tt.query, code, page.Total, tt.wantTotal)
			}
		})
	}
	for _, q := range []string{"?kind=weird", "?status=6xx", "?since=yesterday"} {
		if code := ta.getJSON(t, "/api/exchanges"+q, nil); code != 400 {
			t.Errorf("GET /api/exchanges%s = %d, want 400", q, code)
		}
	}
	var facets store.ExchangeFacets
	if ta.getJSON(t, "/api/exchanges/facets", &facets); len(facets.Hosts) != 1 || len(facets.Models) != 1 {
		t.Errorf("GET /api/exchanges/facets = %+v, want one host and one model", facets)
	}

	var d ExchangeDetail
	if code := ta.getJSON(t, "/api/exchanges/1", &d); code != 200 {
		t.Fatalf("GET /api/exchanges/1 = %d", code)
	}
	if !strings.Contains(d.ReqBody.Text, "list my exchanges") || !strings.Contains(d.RespBody.Text, "answer 1") {
		t.Errorf("exchange 1 bodies = %q / %q, want the chat request and its answer", d.ReqBody.Text, d.RespBody.Text)
	}
	if d.ConversationID != 1 || d.Reply == nil || len(d.Reply.Answers) != 1 || !strings.Contains(d.Reply.Answers[0].Content, "answer 1") {
		t.Errorf("exchange 1 conversation %d, reply %+v; want conversation 1 and the answer", d.ConversationID, d.Reply)
	}
	if d.Reply != nil && (d.Reply.CostUSD != nil || d.Reply.Usage.TotalTokens != 7) {
		t.Errorf("exchange 1 reply usage %+v cost %v, want 7 tokens and no price for gpt-test", d.Reply.Usage, d.Reply.CostUSD)
	}
	if auth := strings.Join(d.ReqHeader["Authorization"], ""); strings.Contains(auth, "APPSECRET") || auth == "" {
		t.Errorf("exchange 1 Authorization = %q, want present and redacted", auth)
	}
	if code := ta.getJSON(t, "/api/exchanges/99", nil); code != 404 {
		t.Errorf("GET /api/exchanges/99 = %d, want 404", code)
	}
}

func TestMediaAPI(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	up := fakeOpenAI(t)
	ta := startApp(t, up.URL)
	body := `{"model":"gpt-test","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},` +
		`{"type":"image_url","image_url":{"url":"data:image/png;base64,` + base64.StdEncoding.EncodeToString(png) + `"}}]}]}`
	req, _ := http.NewRequest("POST", ta.proxyURL+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ta.wait(t, 1)

	var d store.Detail
	ta.getJSON(t, "/api/conversations/1", &d)
	var hash string
	for _, m := range d.Messages {
		for _, md := range m.Media {
			hash = md.Hash
		}
	}
	if hash == "" {
		t.Fatalf("no media reference in %+v", d.Messages)
	}
	got, err := http.Get(ta.api.URL + "/api/media/" + hash)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != 200 || !bytes.Equal(b, png) || got.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET /api/media/%s = %d %s %q, want 200 image/png with the sent bytes", hash, got.StatusCode, got.Header.Get("Content-Type"), b)
	}
	for _, tt := range []struct {
		name, path string
		want       int
	}{
		{"unknown_hash", "/api/media/" + strings.Repeat("0", 64), 404},
		{"bad_hash", "/api/media/xyz", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := ta.getJSON(t, tt.path, nil); code != tt.want {
				t.Errorf("GET %s = %d, want %d", tt.path, code, tt.want)
			}
		})
	}
}

// TestWriteErrorCanceled: a request the page aborted (a preview replaced by the next)
// is not an error of llmtap's and is not logged as one; the same error while the
// request is still wanted is.
func TestWriteErrorCanceled(t *testing.T) {
	tests := []struct {
		name      string
		aborted   bool
		err       error
		wantError bool
	}{
		{"aborted_by_the_page", true, fmt.Errorf("walk: %w", context.Canceled), false},
		{"canceled_while_wanted", false, fmt.Errorf("walk: %w", context.Canceled), true},
		{"other_failure", true, errors.New("disk I/O error"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			a := &App{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			ctx, cancel := context.WithCancel(t.Context())
			if tt.aborted {
				cancel()
			} else {
				defer cancel()
			}
			r := httptest.NewRequestWithContext(ctx, "GET", "/api/export/preview", nil)
			a.writeError(httptest.NewRecorder(), r, tt.err)
			if got := strings.Contains(logs.String(), "level=ERROR"); got != tt.wantError {
				t.Errorf("logged an error = %v, want %v: %s", got, tt.wantError, logs.String())
			}
		})
	}
}
