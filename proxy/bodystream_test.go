package proxy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/internal/prose"
	"github.com/llmtap/llmtap/proxy"
)

// bigChatBody is a chat request of about size bytes (over the 1 MiB from which a
// body is streamed) whose last member is extra, e.g. a planted credential.
func bigChatBody(size int, extra string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"model":"m","messages":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"role":"user","content":"turn %d: 成都美食 and the \"quoted\" tokens of a long history"}`, i)
	}
	b.WriteString(`]`)
	b.WriteString(extra)
	b.WriteString(`}`)
	return b.Bytes()
}

// proseChatBody is a chat request of about size bytes of prose, which compresses
// about as real text does.
func proseChatBody(size int) []byte {
	text, _ := json.Marshal(prose.Text(size))
	return []byte(`{"model":"m","messages":[{"role":"user","content":` + string(text) + `}]}`)
}

// TestStreamedRequestBody: a request body over 1 MiB reaches the upstream byte for
// byte, however the client sends it, and is captured whole as one frame, redacted
// like a body held whole: credential members at any depth, the header's key
// wherever it is echoed, a key found in the body also where it stood before it.
func TestStreamedRequestBody(t *testing.T) {
	const headerKey = "sk-header-0123456789abcdef"
	const bodyKey = "sk-body-0123456789abcdef"
	planted := bigChatBody(3<<20, `,"note":"the key `+headerKey+` and `+bodyKey+`","auth":{"api_key":"`+bodyKey+`"}`)
	tests := []struct {
		name    string
		body    []byte
		chunked bool // no Content-Length: the client's body arrives chunked
		limit   int64
		want    []byte // what the capture holds
		trunc   bool
	}{
		{"plain_announced", bigChatBody(2<<20, ""), false, 0, bigChatBody(2<<20, ""), false},
		{"plain_chunked", bigChatBody(2<<20, ""), true, 0, bigChatBody(2<<20, ""), false},
		{"credentials_redacted", planted, false, 0,
			bigChatBody(3<<20, `,"note":"the key [redacted] and [redacted]","auth":{"api_key":"[redacted]"}`), false},
		{"capture_limit", bigChatBody(3<<20, ""), false, 2 << 20, bigChatBody(3<<20, "")[:2<<20], true},
		// Prose compresses ~3.4x: this frame passes zpool.SpillAt and waits in a file.
		{"spilled", proseChatBody(6 << 20), true, 0, proseChatBody(6 << 20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				got, err := io.ReadAll(r.Body)
				if err != nil || !bytes.Equal(got, tt.body) {
					t.Errorf("upstream got %d bytes (%v), want the %d sent", len(got), err, len(tt.body))
				}
				if r.Header.Get("Authorization") != "Bearer "+headerKey {
					t.Errorf("upstream got Authorization %q, want the client's", r.Header.Get("Authorization"))
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"ok":true}`)
			})
			spill := t.TempDir()
			px, _, rec := startProxy(t, proxy.Config{Target: up.URL, CaptureLimit: tt.limit, SpillDir: spill})
			var rd io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				rd = io.MultiReader(rd) // no length known: net/http sends it chunked
			}
			req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", rd)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+headerKey)
			resp, body := do(t, newClient(t), req)
			if resp.StatusCode != http.StatusOK || string(body) != `{"ok":true}` {
				t.Fatalf("client got %d %q", resp.StatusCode, body)
			}
			ex := rec.next(t)
			if ex.ReqZstd == nil || ex.ReqBody != nil {
				t.Fatalf("request body held whole (%d bytes) or not as a frame", len(ex.ReqBody))
			}
			got, err := ex.RequestBody()
			if err != nil || !bytes.Equal(got, tt.want) || ex.ReqLen != len(got) {
				t.Fatalf("captured %d bytes (ReqLen %d, %v), want %d:\n…%s", len(got), ex.ReqLen, err, len(tt.want), got[max(0, len(got)-200):])
			}
			if ex.Truncated != tt.trunc || ex.Err != "" || ex.Status != http.StatusOK {
				t.Errorf("truncated %v err %q status %d, want %v, none, 200", ex.Truncated, ex.Err, ex.Status, tt.trunc)
			}
			if n := ex.ReqZstd.Size(); n > int64(len(got))/3 {
				t.Errorf("frame of %d bytes for %d: not compressed", n, len(got))
			}
			if spilled := ex.ReqZstd.File() != nil; spilled != (ex.ReqZstd.Size() > 1<<20) {
				t.Errorf("frame of %d bytes in a file: %v", ex.ReqZstd.Size(), spilled)
			}
			ex.ReqZstd.Release()
			if left, _ := os.ReadDir(spill); len(left) > 0 {
				t.Errorf("%d files left in the spill folder once the frame was released", len(left))
			}
		})
	}
}

// TestStreamedBodyUpstreamAnswersEarly: an upstream that refuses a big request
// without reading it still gets the answer relayed, and the capture still holds all
// the client sent.
func TestStreamedBodyUpstreamAnswersEarly(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"no key"}}`)
	})
	px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
	sent := bigChatBody(4<<20, "")
	req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", bytes.NewReader(sent))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := do(t, newClient(t), req)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("client got %d, want the upstream's 401", resp.StatusCode)
	}
	ex := rec.next(t)
	got, err := ex.RequestBody()
	if err != nil || !bytes.Equal(got, sent) || ex.Status != http.StatusUnauthorized {
		t.Errorf("captured %d of %d bytes (%v), status %d", len(got), len(sent), err, ex.Status)
	}
}

// TestStreamedBodyErrors: a big body that turns out too large, or that the client
// cuts off, is answered as a body held whole would be (413, 400), and captured.
func TestStreamedBodyErrors(t *testing.T) {
	t.Run("too_large_after_the_first_megabyte", func(t *testing.T) {
		up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
		})
		px, _, rec := startProxy(t, proxy.Config{Target: up.URL, MaxBody: 2 << 20})
		// Chunked: no Content-Length to refuse it by before it is read.
		req, _ := http.NewRequest(http.MethodPost, px.URL+"/v1/chat/completions", io.MultiReader(bytes.NewReader(bigChatBody(3<<20, ""))))
		req.Header.Set("Content-Type", "application/json")
		resp, body := do(t, newClient(t), req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "request_too_large") {
			t.Fatalf("client got %d %s, want 413 request_too_large", resp.StatusCode, body)
		}
		if ex := rec.next(t); !strings.Contains(ex.Err, "larger than llmtap's limit") {
			t.Errorf("exchange err %q, want the limit", ex.Err)
		}
	})
	t.Run("cut_off_by_the_client", func(t *testing.T) {
		reached := make(chan struct{}, 1)
		up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			reached <- struct{}{}
			io.Copy(io.Discard, r.Body)
		})
		px, _, rec := startProxy(t, proxy.Config{Target: up.URL})
		c, err := net.Dial("tcp", strings.TrimPrefix(px.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		body := bigChatBody(2<<20, "")
		fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 3<<20)
		c.Write(body)
		recv(t, reached, "the upstream to get the streamed request")
		c.Close()
		ex := rec.next(t)
		if ex.Err == "" || !ex.Aborted {
			t.Errorf("exchange err %q aborted %v, want the cut body as reason", ex.Err, ex.Aborted)
		}
		if got, err := ex.RequestBody(); err != nil || !bytes.Equal(got, body) {
			t.Errorf("captured %d bytes (%v), want the %d that came", len(got), err, len(body))
		}
	})
}
