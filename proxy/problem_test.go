package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

func TestUnroutableProblems(t *testing.T) {
	tests := []struct {
		name      string
		routes    map[string]string
		path      string
		wantKind  string
		wantInMsg []string
	}{
		{"no_target_first_run", nil, "/v1/chat/completions", proxy.ProblemNoTarget,
			[]string{"/v1/chat/completions", "no target is set", "pick your provider", "--target URL"}},
		{"unknown_route", map[string]string{"local": "http://127.0.0.1:1/v1", "b": "http://127.0.0.1:1"}, "/lcoal/chat/completions",
			proxy.ProblemUnknownRoute, []string{`"lcoal" is not one of the routes (b, local)`, "--route lcoal=URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, s, _ := startProxy(t, proxy.Config{Routes: tt.routes})
			req, _ := http.NewRequest(http.MethodPost, px.URL+tt.path+"?key=secret", strings.NewReader("{}"))
			resp, body := do(t, newClient(t), req)
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil || resp.StatusCode != http.StatusNotFound || eb.Error.Code != "unknown_route" {
				t.Fatalf("got %d %s (%v), want 404 with code unknown_route", resp.StatusCode, body, err)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(eb.Error.Message, s) {
					t.Errorf("message %q does not mention %q", eb.Error.Message, s)
				}
			}
			got, total := s.Problems()
			if total != 1 || len(got) != 1 {
				t.Fatalf("Problems() = %d items, total %d; want 1, 1", len(got), total)
			}
			if p := got[0]; p.Kind != tt.wantKind || p.Path != tt.path || p.Method != http.MethodPost || p.Time.IsZero() {
				t.Errorf("Problems()[0] = %+v, want kind %s path %s", p, tt.wantKind, tt.path)
			}
			if b, _ := json.Marshal(got); strings.Contains(string(b), "secret") {
				t.Errorf("a problem kept the query's credential: %s", b)
			}
		})
	}
}

func TestProblemsRing(t *testing.T) {
	px, s, _ := startProxy(t, proxy.Config{})
	c := newClient(t)
	const n = 40 // more than the ring holds
	for i := range n {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/models/%d", px.URL, i), nil)
		do(t, c, req)
	}
	got, total := s.Problems()
	if total != n || len(got) != 32 {
		t.Fatalf("Problems() = %d items, total %d; want 32, %d", len(got), total, n)
	}
	if got[0].Path != fmt.Sprintf("/v1/models/%d", n-1) || got[31].Path != fmt.Sprintf("/v1/models/%d", n-32) {
		t.Errorf("Problems() runs %s … %s, want newest first", got[0].Path, got[31].Path)
	}
}

func TestSetTargetLive(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "upstream "+r.URL.Path) })
	px, s, rec := startProxy(t, proxy.Config{})
	c := newClient(t)
	get := func() (int, string) {
		req, _ := http.NewRequest(http.MethodGet, px.URL+"/v1/models", nil)
		resp, body := do(t, c, req)
		return resp.StatusCode, string(body)
	}
	if code, _ := get(); code != http.StatusNotFound {
		t.Fatalf("before SetTarget: %d, want 404", code)
	}
	if err := s.SetTarget(up.URL + "/prefix"); err != nil {
		t.Fatal(err)
	}
	if items, total := s.Problems(); len(items) != 0 || total != 0 {
		t.Errorf("after SetTarget Problems() = %d items, total %d; want them forgotten with the old setup", len(items), total)
	}
	if code, body := get(); code != http.StatusOK || body != "upstream /prefix/v1/models" {
		t.Errorf("after SetTarget: %d %q, want 200 from the upstream with the prefix kept", code, body)
	}
	if ex := rec.next(t); ex.Route != "target" {
		t.Errorf("exchange route = %q, want target", ex.Route)
	}
	if got, route, ok := s.Resolve("/v1/models?x=1"); !ok || route != "target" || got != up.URL+"/prefix/v1/models?x=1" {
		t.Errorf("Resolve = %q %q %v", got, route, ok)
	}
	if err := s.SetTarget("ftp://example.com"); err == nil || s.Target() != up.URL+"/prefix" {
		t.Errorf("SetTarget(ftp) = %v, target %q; want an error and the old target kept", err, s.Target())
	}
	if err := s.SetTarget(""); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(); code != http.StatusNotFound {
		t.Errorf("after SetTarget(\"\"): %d, want 404", code)
	}
	if _, _, ok := s.Resolve("/v1/models"); ok {
		t.Error("Resolve with no target = ok, want not routable")
	}
}
