package cache

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// sseEvents is what the streaming upstream writes, one flush each.
var sseEvents = []string{"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
	"data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n", "data: [DONE]\n\n"}

// upstream serves one behaviour per path.
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_1")
		w.Write([]byte(`{"choices":[{"message":{"content":"Hello"}}]}`))
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range sseEvents {
			w.Write([]byte(e))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(sseEvents[0]))
		w.(http.Flusher).Flush()
		// Drop the connection before the chunked body's end.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 10 {
			w.Write(bytes.Repeat([]byte("x"), 100))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write([]byte(`{"a":1}`))
		zw.Close()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRecorder(t *testing.T) {
	srv := upstream(t)
	// No automatic gzip, so the encoded answer arrives encoded, as the proxy relays it.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	tests := []struct {
		name     string
		path     string
		readAll  bool // false: read one chunk and close
		stored   bool
		stream   bool
		wantBody string
		maxBytes int
	}{
		{"json", "/json", true, true, false, `{"choices":[{"message":{"content":"Hello"}}]}`, 0},
		{"sse", "/sse", true, true, true, strings.Join(sseEvents, ""), 0},
		{"error_status", "/error", true, false, false, "", 0},
		{"cut_stream", "/cut", true, false, false, "", 0},
		{"short_of_content_length", "/short", true, false, false, "", 0},
		{"over_max_bytes", "/big", true, false, false, "", 999},
		{"at_max_bytes", "/big", true, true, true, strings.Repeat("x", 1000), 1000},
		{"content_encoding", "/gzip", true, false, false, "", 0},
		{"closed_early", "/sse", false, false, false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &memStore{m: map[string]*Entry{}}
			rc := &Recorder{Store: store, MaxBytes: tt.maxBytes}
			resp, err := client.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp = rc.Wrap(t.Context(), "k", resp)
			var relayed []byte
			if tt.readAll {
				relayed, _ = io.ReadAll(resp.Body) // a cut body still relays what came
			} else {
				buf := make([]byte, 8)
				n, _ := resp.Body.Read(buf)
				relayed = buf[:n]
			}
			resp.Body.Close()
			e, ok := store.m["k"]
			if ok != tt.stored {
				t.Fatalf("stored = %v, want %v", ok, tt.stored)
			}
			if !ok {
				return
			}
			if string(e.Body) != tt.wantBody || string(relayed) != tt.wantBody || e.Stream != tt.stream || e.Status != 200 {
				t.Errorf("entry %d stream %v body %q (relayed %q), want stream %v body %q", e.Status, e.Stream, e.Body, relayed, tt.stream, tt.wantBody)
			}
			total := 0
			for _, c := range e.Chunks {
				total += c
			}
			if total != len(e.Body) || len(e.Chunks) == 0 {
				t.Errorf("chunks %v sum to %d, want %d", e.Chunks, total, len(e.Body))
			}
			if e.Header.Get("X-Request-Id") != "" || e.Header.Get("Date") != "" || e.Created.IsZero() {
				t.Errorf("entry header %v created %v: want no per-request headers and a time", e.Header, e.Created)
			}
			// Replayed, the reads are the recorded ones.
			got := readChunks(t, Replay(e).Body)
			for i, c := range got {
				if i >= len(e.Chunks) || len(c) != e.Chunks[i] {
					t.Fatalf("replayed read lengths differ from the recorded %v at %d: %q", e.Chunks, i, got)
				}
			}
			if strings.Join(got, "") != tt.wantBody || len(got) != len(e.Chunks) {
				t.Errorf("replay = %q, want %d chunks of %q", got, len(e.Chunks), tt.wantBody)
			}
		})
	}
}
