package cache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	base := `{"model":"fast","messages":[{"role":"user","content":"hi"}],"temperature":0.5}`
	tests := []struct {
		name       string
		model, req string
		same       bool // the same key as base for deepseek-chat
	}{
		{"identical", "deepseek-chat", base, true},
		{"key_order_and_space", "deepseek-chat", "{ \"temperature\": 0.5,\n \"messages\":[{\"content\":\"hi\",\"role\":\"user\"}] }", true},
		{"alias_or_name", "deepseek-chat", strings.Replace(base, "fast", "deepseek-chat", 1), true},
		{"user_and_metadata", "deepseek-chat", strings.Replace(base, "{", `{"user":"u1","metadata":{"a":"b"},"store":true,"stream_options":{"include_usage":true},`, 1), true},
		{"stream_false_is_default", "deepseek-chat", strings.Replace(base, "{", `{"stream":false,`, 1), true},
		{"escaped_unicode", "deepseek-chat", strings.Replace(base, `"hi"`, `"\u0068i"`, 1), true},
		{"other_provider_model", "gpt-4o", base, false},
		{"stream_true", "deepseek-chat", strings.Replace(base, "{", `{"stream":true,`, 1), false},
		{"other_content", "deepseek-chat", strings.Replace(base, `"hi"`, `"hi!"`, 1), false},
		{"number_text", "deepseek-chat", strings.Replace(base, "0.5", "0.50", 1), false},
		{"nested_user_kept", "deepseek-chat", strings.Replace(base, `"role":"user"`, `"role":"user","user":"x"`, 1), false},
		{"not_json", "deepseek-chat", "hi", false},
	}
	want := Key("deepseek-chat", []byte(base))
	if len(want) != 64 {
		t.Fatalf("Key = %q, want 64 hex digits", want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Key(tt.model, []byte(tt.req))
			if (got == want) != tt.same {
				t.Errorf("Key(%q, %s) == Key(base) is %v, want %v", tt.model, tt.req, got == want, tt.same)
			}
		})
	}
	if Key("m", []byte("not json")) != Key("m", []byte("not json")) || Key("m", []byte("a")) == Key("m", []byte("b")) {
		t.Error("a body that is not JSON is not hashed as it is")
	}
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{`{"model":"a","stream":true}`, `{"b":1,"a":[1,2,{"c":null}]}`, `[]`, `{}`, `{"a":1}{}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		k := Key("m", []byte(body))
		// The canonical form of a body is its own canonical form.
		if n := normalise([]byte(body)); Key("m", n) != k {
			t.Errorf("Key(normalise(%q)) = %s, want Key(%q) = %s", body, Key("m", n), body, k)
		}
	})
}

func TestWants(t *testing.T) {
	tests := []struct {
		header  string
		modelOn bool
		want    bool
	}{
		{"", false, false}, {"", true, true}, {"on", false, true}, {" ON ", false, true},
		{"off", true, false}, {"maybe", true, true}, {"maybe", false, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", nil)
		if tt.header != "" {
			r.Header.Set(Header, tt.header)
		}
		if got := Wants(r, tt.modelOn); got != tt.want {
			t.Errorf("Wants(%q, %v) = %v, want %v", tt.header, tt.modelOn, got, tt.want)
		}
	}
}

func TestKeep(t *testing.T) {
	h := http.Header{"Content-Type": {"text/event-stream"}, "Date": {"x"}, "Transfer-Encoding": {"chunked"},
		"X-Ratelimit-Remaining-Tokens": {"9"}, "Openai-Model": {"gpt-4o"}, "X-Request-Id": {"req_1"},
		"Set-Cookie": {"a=b"}, "X-Llmtap-Provider": {"openai"}, "Content-Length": {"5"}}
	got := Keep(h)
	if len(got) != 2 || got.Get("Content-Type") != "text/event-stream" || got.Get("Openai-Model") != "gpt-4o" {
		t.Errorf("Keep = %v, want Content-Type and Openai-Model only", got)
	}
	if h.Get("Date") == "" {
		t.Error("Keep changed its argument")
	}
}

// readChunks reads body and returns each read's bytes.
func readChunks(t *testing.T, body io.Reader) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 64<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			out = append(out, string(buf[:n]))
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
}

func TestReplayChunks(t *testing.T) {
	e := &Entry{Status: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: []byte("data: a\n\ndata: bb\n\ndata: [DONE]\n\n"), Chunks: []int{9, 10, 14}, Stream: true}
	resp := Replay(e)
	if resp.StatusCode != 200 || resp.Header.Get(Header) != "hit" || resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "" {
		t.Fatalf("Replay: %d %v length %d, want 200, hit, chunked", resp.StatusCode, resp.Header, resp.ContentLength)
	}
	got := readChunks(t, resp.Body)
	want := []string{"data: a\n\n", "data: bb\n\n", "data: [DONE]\n\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("replayed reads %q, want %q", got, want)
	}
	// A small buffer splits a chunk but never joins two.
	resp = Replay(e)
	var small []string
	buf := make([]byte, 6)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			small = append(small, string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	if strings.Join(small, "|") != "data: |a\n\n|data: |bb\n\n|data: |[DONE]|\n\n" {
		t.Errorf("replayed reads into 6 bytes %q", small)
	}
	if e.Header.Get(Header) != "" {
		t.Error("Replay changed the entry's header")
	}
	j := Replay(&Entry{Status: 200, Body: []byte(`{"a":1}`), Chunks: []int{7}})
	if j.ContentLength != 7 || j.Header.Get("Content-Length") != "7" {
		t.Errorf("JSON replay length %d %q, want 7", j.ContentLength, j.Header.Get("Content-Length"))
	}
}

// memStore is the smallest Store: a map, no cap. The SQLite store has its own tests.
type memStore struct {
	mu sync.Mutex
	m  map[string]*Entry
}

func (s *memStore) Get(_ context.Context, key string, _ time.Time) (*Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	return e, ok, nil
}

func (s *memStore) Put(_ context.Context, key string, e *Entry, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = e
	return nil
}

// chatBody is a chat request of about 20 KB: forty turns of 500 bytes.
func chatBody() []byte {
	var msgs []string
	for i := range 40 {
		msgs = append(msgs, `{"role":"user","content":"`+strings.Repeat(`word\n `, 80)+`","name":"u`+string(rune('a'+i%26))+`"}`)
	}
	return []byte(`{"model":"gpt-4o","stream":true,"temperature":0.7,"messages":[` + strings.Join(msgs, ",") + `]}`)
}

func BenchmarkKey(b *testing.B) {
	body := chatBody()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Key("gpt-4o", body)
	}
}
