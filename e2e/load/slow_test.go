package load

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// slowBound is how long a slow or idle connection may stay open before the test says
// the timeout did not close it: far above the 1 s timeouts given, so a loaded machine
// does not fail the test, yet bounded.
const slowBound = 30 * time.Second

// TestSlowClients checks that a client trickling its request body is cut off (408 or
// closed) after --body-timeout, and that an idle keep-alive connection is closed after
// --idle-timeout.
func TestSlowClients(t *testing.T) {
	requireLoad(t)
	up := newUpstream(t)
	p := startServe(t, t.TempDir(), up.URL(), "--body-timeout", "1s", "--idle-timeout", "1s")
	u, err := url.Parse(p.proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, conn net.Conn, host string)
	}{
		{"trickled_body_cut_off", trickle},
		{"idle_keep_alive_closed", idle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			tt.run(t, conn, u.Host)
		})
	}
}

// trickle announces a 100 kB body and sends one byte every 100 ms.
func trickle(t *testing.T, conn net.Conn, host string) {
	writeHead(conn, host, 100000, `{"model":"load-model","messages":[`)
	answered := make(chan error, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- nil // closed: cut off
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			answered <- fmt.Errorf("a trickling client got %s, want 408 or a closed connection", resp.Status)
			return
		}
		answered <- nil
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for sent := 0; time.Since(start) < slowBound; {
		select {
		case err := <-answered:
			if err != nil {
				t.Error(err)
			}
			t.Logf("cut off after %d trickled bytes", sent)
			return
		case <-tick.C:
			if _, err := conn.Write([]byte(" ")); err != nil {
				t.Logf("cut off after %d trickled bytes (write: %v)", sent, err)
				return
			}
			sent++
		}
	}
	t.Errorf("a client trickling its body one byte per 100 ms was not cut off within %v with --body-timeout 1s", slowBound)
}

// idle makes one request on conn, reads the whole answer and then waits for the
// server to close the idle connection.
func idle(t *testing.T, conn net.Conn, host string) {
	body := string(chatBody("idle", shape{}))
	writeHead(conn, host, len(body), body)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("answer: %s, read: %v", resp.Status, err)
	}
	resp.Body.Close()
	conn.SetReadDeadline(time.Now().Add(slowBound))
	_, err = br.ReadByte()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Errorf("an idle keep-alive connection was still open %v after its answer, with --idle-timeout 1s", slowBound)
	case err == nil:
		t.Errorf("the server sent a byte on an idle connection")
	case errors.Is(err, io.EOF), strings.Contains(err.Error(), "reset"):
		// closed, as it should be
	default:
		t.Errorf("idle connection: %v", err)
	}
}
