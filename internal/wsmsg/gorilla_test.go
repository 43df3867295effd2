package wsmsg_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/llmtap/llmtap/internal/wsmsg"
)

// tapConn keeps a copy of the bytes a connection reads and writes.
type tapConn struct {
	net.Conn
	mu            sync.Mutex
	read, written bytes.Buffer
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.written.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// gorillaMessage is one message the client sends; the server echoes it.
type gorillaMessage struct {
	kind       int
	data       string
	compressed bool
}

// TestGorilla checks the Reader against another implementation: the frames a gorilla
// client and server with compression (which gorilla does without context takeover)
// exchange, captured on the client's connection, read back as the messages sent.
func TestGorilla(t *testing.T) {
	sent := []gorillaMessage{
		{websocket.TextMessage, `{"type":"response.create"}`, true},
		{websocket.TextMessage, words(100_000, 11), true}, // in several frames
		{websocket.BinaryMessage, noise(10_000, 12), true},
		{websocket.TextMessage, words(3000, 13), false},
		{websocket.TextMessage, "", true},
		{websocket.TextMessage, noise(70_000, 14), true},
		{websocket.TextMessage, "last", true},
	}
	const greeting = `{"type":"session.created"}`
	up := websocket.Upgrader{EnableCompression: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		if c.WriteMessage(websocket.TextMessage, []byte(greeting)) != nil {
			return
		}
		for { // echo until the client's close frame, which gorilla answers
			kind, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(kind, msg) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)

	var conn *tapConn
	dialer := websocket.Dialer{EnableCompression: true,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			conn = &tapConn{Conn: c}
			return conn, nil
		}}
	c, _, err := dialer.DialContext(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != greeting {
		t.Fatalf("greeting = %q, %v", msg, err)
	}
	for _, m := range sent {
		c.EnableWriteCompression(m.compressed)
		if err := c.WriteMessage(m.kind, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteControl(websocket.PingMessage, []byte("ping"), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if kind, echo, err := c.ReadMessage(); err != nil || kind != m.kind || string(echo) != m.data {
			t.Fatalf("echo of %d bytes: %d bytes (kind %d), %v", len(m.data), len(echo), kind, err)
		}
	}
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after the close frame: %v, want the server's close", err)
	}

	// What each side sent after the handshake, and what it negotiated.
	conn.mu.Lock()
	defer conn.mu.Unlock()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(conn.read.Bytes())), nil)
	if err != nil {
		t.Fatal(err)
	}
	ext := wsmsg.ParseExtensions(resp.Header.Values("Sec-WebSocket-Extensions"))
	if want := (wsmsg.Deflate{On: true, ClientNoContextTakeover: true, ServerNoContextTakeover: true}); ext != want {
		t.Fatalf("ParseExtensions(%q) = %+v, want %+v", resp.Header.Values("Sec-WebSocket-Extensions"), ext, want)
	}
	_, fromServer, _ := bytes.Cut(conn.read.Bytes(), []byte("\r\n\r\n"))
	_, fromClient, _ := bytes.Cut(conn.written.Bytes(), []byte("\r\n\r\n"))

	var texts []string
	total := 0
	for _, m := range sent {
		total += len(m.data)
		if m.kind == websocket.TextMessage {
			texts = append(texts, m.data)
		}
	}
	if len(fromClient) > total*3/4 {
		t.Fatalf("the client sent %d bytes for %d bytes of messages: not compressed", len(fromClient), total)
	}
	// A ping after each message, answered by a pong, and the close frames.
	stats := wsmsg.Stats{Text: len(texts), Binary: len(sent) - len(texts), Control: len(sent) + 1, Closed: true}
	serverStats := stats
	serverStats.Text++ // the greeting
	tests := []struct {
		name string
		opts wsmsg.Options
		data []byte
		want readResult
	}{
		{"client", wsmsg.Options{Compressed: ext.On, NoContextTakeover: ext.ClientNoContextTakeover},
			fromClient, readResult{Msgs: texts, Stats: stats}},
		{"server", wsmsg.Options{Compressed: ext.On, NoContextTakeover: ext.ServerNoContextTakeover},
			fromServer, readResult{Msgs: append([]string{greeting}, texts...), Stats: serverStats}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for way, chunks := range chunkings(tt.data) {
				if got := read(t, tt.opts, chunks); !cmp.Equal(tt.want, got) {
					t.Fatalf("read %s (-want +got):\n%s", way, truncate(cmp.Diff(tt.want, got)))
				}
			}
		})
	}
}
