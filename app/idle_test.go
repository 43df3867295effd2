package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestListenersCloseIdleConnections checks that the proxy and UI listeners close a
// keep-alive connection left idle (2,000 such stayed open before IdleTimeout).
func TestListenersCloseIdleConnections(t *testing.T) {
	a, err := Open(t.Context(), Config{ProxyAddr: "127.0.0.1:0", DataDir: t.TempDir(), IdleTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Shutdown(t.Context()) })
	if err := a.ListenProxy(); err != nil {
		t.Fatalf("ListenProxy: %v", err)
	}
	ui, err := a.ServeUI("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	if err != nil {
		t.Fatalf("ServeUI: %v", err)
	}
	tests := []struct{ name, addr string }{
		{"proxy", a.ProxyAddr()},
		{"ui", ui},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", tt.addr)
			if err != nil {
				t.Fatalf("dial %s: %v", tt.addr, err)
			}
			defer c.Close()
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", tt.addr)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("GET /healthz: %v", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// A bound on the wait, not a measure: the server closes long before.
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := br.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Errorf("read on an idle connection = %d, %v; want EOF (closed by the server)", n, err)
			}
		})
	}
}
