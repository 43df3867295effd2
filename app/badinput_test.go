package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBadUpstreamBodiesAreStoredWithAReason sends exchanges whose bodies cannot
// become a conversation: each must still be stored raw, flagged with why, and the
// client must get every byte the upstream sent.
func TestBadUpstreamBodiesAreStoredWithAReason(t *testing.T) {
	big := bytes.Repeat([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}]}\n\n"), 50<<20/100)
	tests := []struct {
		name       string
		ctype      string
		body       []byte
		wantReason string
	}{
		{"malformed_json", "application/json", []byte(`{"choices": [ {"message": `), "stream ended before its final event"},
		{"invalid_utf8", "application/json", []byte("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\xff\xfe\"},\"finish_reason\":\"stop\"}]}"), ""},
		{"not_json_at_all", "text/html", []byte("<html>bad gateway</html>"), "malformed"},
		{"truncated_stream", "text/event-stream", []byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n"), "stream ended before its final event"},
		{"fifty_megabytes", "text/event-stream", big, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.Write(tt.body)
			}))
			defer up.Close()
			ta := startApp(t, up.URL)
			resp, err := http.Post(ta.proxyURL+"/v1/chat/completions", "application/json",
				strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if n != int64(len(tt.body)) {
				t.Errorf("client got %d bytes, want all %d", n, len(tt.body))
			}
			ta.wait(t, 1)
			e, err := ta.DB().Exchange(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.RespBody) == 0 {
				t.Error("response body not stored")
			}
			if tt.wantReason == "" {
				if e.ParseErr != "" {
					t.Errorf("parse error = %q, want none", e.ParseErr)
				}
				return
			}
			if !strings.Contains(strings.ToLower(e.ParseErr), tt.wantReason) {
				t.Errorf("parse error = %q, want it to say %q", e.ParseErr, tt.wantReason)
			}
			var st Status
			ta.getJSON(t, "/api/status", &st)
			if st.Conversations != 0 {
				t.Errorf("conversations = %d, want 0: a bad exchange is never a training turn", st.Conversations)
			}
		})
	}
}
