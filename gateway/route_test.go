package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRouteByModel(t *testing.T) {
	ds := newFake(t, "deepseek", KindOpenAI)
	cl := newFake(t, "claudeish", KindOpenAI)
	yaml := yamlFor("models:\n  fast: {use: [deepseek-chat]}\n",
		providerYAML{f: ds, keys: []string{"ds-1"}, models: []string{"deepseek-chat", "deepseek-reasoner"}},
		providerYAML{f: cl, keys: []string{"cl-1"}, models: []string{`"claude-*"`}})
	_, srv := newTestGateway(t, yaml, Config{})

	tests := []struct {
		name, model, wantProvider, wantUpstreamModel string
	}{
		{"exact", "deepseek-reasoner", "deepseek", "deepseek-reasoner"},
		{"glob", "claude-sonnet-4-5", "claudeish", "claude-sonnet-4-5"},
		{"alias", "fast", "deepseek", "deepseek-chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body, err := post(t, srv.URL, "/v1/chat/completions", `{"model":"`+tt.model+`","messages":[]}`)
			if err != nil || status != http.StatusOK {
				t.Fatalf("POST model %s = %d %s (%v), want 200", tt.model, status, body, err)
			}
			if got := h.Get("X-Llmtap-Provider"); got != tt.wantProvider {
				t.Errorf("X-Llmtap-Provider = %q, want %q", got, tt.wantProvider)
			}
			f := map[string]*fakeProvider{"deepseek": ds, "claudeish": cl}[tt.wantProvider]
			last := f.last()
			if last.model != tt.wantUpstreamModel {
				t.Errorf("upstream model = %q, want %q", last.model, tt.wantUpstreamModel)
			}
			if last.path != "/v1/chat/completions" {
				t.Errorf("upstream path = %q, want /v1/chat/completions (base_url /v1 + /chat/completions)", last.path)
			}
			if last.key == "client-key" || last.header.Get("Authorization") == "Bearer client-key" {
				t.Errorf("the client's key reached the provider")
			}
		})
	}

	t.Run("unknown_model_404_lists_models", func(t *testing.T) {
		status, _, body, _ := post(t, srv.URL, "/v1/chat/completions", `{"model":"gpt-9"}`)
		var e struct {
			Error struct{ Message, Code string }
		}
		_ = json.Unmarshal([]byte(body), &e)
		if status != http.StatusNotFound || e.Error.Code != "model_not_found" {
			t.Fatalf("unknown model = %d %s, want 404 model_not_found", status, body)
		}
		for _, m := range []string{"deepseek-chat", "deepseek-reasoner", "fast"} {
			if !strings.Contains(e.Error.Message, m) {
				t.Errorf("404 message %q does not list %s", e.Error.Message, m)
			}
		}
	})
	t.Run("models_list", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/v1/models")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Object string
			Data   []struct{ ID, Object string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range list.Data {
			ids = append(ids, d.ID)
		}
		if want := []string{"deepseek-chat", "deepseek-reasoner", "fast"}; list.Object != "list" || !slices.Equal(ids, want) {
			t.Errorf("GET /v1/models = %s %v, want list %v", list.Object, ids, want)
		}
	})
}

func TestRoutePassesToTarget(t *testing.T) {
	ds := newFake(t, "deepseek", KindOpenAI)
	g := New(Config{})
	if err := g.Load([]byte(yamlFor("", providerYAML{f: ds, keys: []string{"k"}, models: []string{"deepseek-chat"}}))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		hasTarget, wantRT        bool
		wantAnswered             bool
	}{
		{"unknown_model_with_target", "POST", "/v1/chat/completions", `{"model":"x"}`, true, false, false},
		{"unknown_model_without_target", "POST", "/v1/chat/completions", `{"model":"x"}`, false, false, true},
		{"not_an_llm_path", "POST", "/v1/files", `{}`, false, false, false},
		{"served_model", "POST", "/v1/chat/completions", `{"model":"deepseek-chat"}`, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(tt.method, "http://llmtap"+tt.path, strings.NewReader(tt.body))
			w := &discardWriter{h: http.Header{}}
			rt, answered := g.Route(w, r, []byte(tt.body), tt.hasTarget)
			if (rt != nil) != tt.wantRT || answered != tt.wantAnswered {
				t.Errorf("Route(%s %s) = rt %v, answered %v; want rt %v, answered %v", tt.method, tt.path, rt != nil, answered, tt.wantRT, tt.wantAnswered)
			}
		})
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }

func FuzzSetModel(f *testing.F) {
	f.Add(`{"model":"a","messages":[{"role":"user","content":"{\"model\":\"x\"}"}]}`, "b")
	f.Add(`{"messages":[],"model" : "gpt-4o","stream":true}`, "deepseek-chat")
	f.Add(`{"nested":{"model":"x"}}`, "y")
	f.Add(`not json`, "z")
	f.Fuzz(func(t *testing.T, body, model string) {
		if !utf8.ValidString(model) {
			return // model names come from YAML, which is UTF-8; JSON would replace the bytes
		}
		before, _ := readRequest(KindOpenAI, "/v1/chat/completions", []byte(body))
		out := setModel([]byte(body), model)
		after, _ := readRequest(KindOpenAI, "/v1/chat/completions", out)
		if _, _, ok := modelSpan([]byte(body)); !ok {
			if string(out) != body {
				t.Errorf("setModel changed a body without a top-level model: %q → %q", body, out)
			}
			return
		}
		if before != "" && after != model && json.Valid([]byte(body)) {
			t.Errorf("setModel(%q, %q) = %q, which names model %q", body, model, out, after)
		}
	})
}
