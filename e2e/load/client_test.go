package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/llmtap/llmtap/internal/prose"
)

// shape is what one request of a load looks like.
type shape struct {
	turns      int  // user turns, the last one carrying the marker; 0 → 3
	histBytes  int  // bytes of filler in all earlier messages together; 0 → 10 per message
	padBytes   int  // prose added to the last user message (30 MB requests)
	replyBytes int  // content of the upstream's reply; 0 → 200
	stream     bool // ask for an SSE reply
	proseReply bool // ask for a reply of prose.Text rather than one phrase repeated
}

// load is a bounded run: n requests at concurrency conc, request i shaped as
// shapes[i%len(shapes)], each with a unique marker in its last user message.
type load struct {
	n, conc int
	shapes  []shape
	// onAck, if set, is called after each acknowledged request with how many have been
	// acknowledged so far; it runs on the client's goroutines and must not block.
	onAck func(n int, a ack)
}

// ack is a request the client saw answered in full: status 200 and the whole body
// (its Content-Length, or the SSE stream through [DONE] and the chunked terminator).
type ack struct {
	marker string
	at     time.Time // when the client read the last byte
}

// result is what a load run saw.
type result struct {
	acks       []ack
	failed     int   // requests sent but not acknowledged
	firstErr   error // why the first of them failed
	start, end time.Time
}

// markerPrefix is a fresh run ID, so markers from another run never match.
func markerPrefix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "mk" + hex.EncodeToString(b) + "-"
}

// run sends l's requests to baseURL (a proxy in front of the fake upstream) and
// returns when all are answered or failed, or ctx ends (then the rest are not sent).
func (l load) run(ctx context.Context, baseURL, prefix string) result {
	tr := &http.Transport{MaxIdleConnsPerHost: l.conc, DisableCompression: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	var (
		mu  sync.Mutex
		res = result{start: time.Now()}
		wg  sync.WaitGroup
	)
	next := make(chan int)
	for range l.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				marker := prefix + strconv.Itoa(i)
				err := send(ctx, client, baseURL, marker, l.shapes[i%len(l.shapes)])
				mu.Lock()
				if err != nil {
					res.failed++
					if res.firstErr == nil {
						res.firstErr = fmt.Errorf("request %s: %w", marker, err)
					}
					mu.Unlock()
					continue
				}
				a := ack{marker: marker, at: time.Now()}
				res.acks = append(res.acks, a)
				n := len(res.acks)
				mu.Unlock()
				if l.onAck != nil {
					l.onAck(n, a)
				}
			}
		}()
	}
dispatch:
	for i := range l.n {
		select {
		case next <- i:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(next)
	wg.Wait()
	res.end = time.Now()
	return res
}

// send makes one chat completion request and reads the whole answer.
func send(ctx context.Context, client *http.Client, baseURL, marker string, s shape) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/chat/completions",
		bytes.NewReader(chatBody(marker, s)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-load-test")
	if s.replyBytes > 0 {
		req.Header.Set(hdrReplyBytes, strconv.Itoa(s.replyBytes))
	}
	if s.stream {
		req.Header.Set(hdrStream, "1")
	}
	if s.proseReply {
		req.Header.Set(hdrProse, "1")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// The transport reports a body shorter than its Content-Length, or a chunked body
	// without its terminator, as an error here: reading to EOF is the acknowledgement.
	var last lastBytes
	n, err := io.Copy(&last, resp.Body)
	if err != nil {
		return fmt.Errorf("read reply after %d bytes: %w", n, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s: %q", resp.Status, last.b)
	}
	if s.stream && !bytes.HasSuffix(last.b, []byte("data: [DONE]\n\n")) {
		return fmt.Errorf("stream of %d bytes ends without [DONE]: %q", n, last.b)
	}
	if !s.stream && resp.ContentLength != n {
		return fmt.Errorf("read %d bytes of a %d-byte reply", n, resp.ContentLength)
	}
	return nil
}

// lastBytes keeps the last 64 bytes written to it.
type lastBytes struct{ b []byte }

func (l *lastBytes) Write(p []byte) (int, error) {
	l.b = append(l.b, p[max(0, len(p)-64):]...)
	l.b = l.b[max(0, len(l.b)-64):]
	return len(p), nil
}

// chatBody is an OpenAI chat request shaped as s. The first message names the marker
// too, so that every request is a distinct chat rather than a branch of one.
func chatBody(marker string, s shape) []byte {
	turns := s.turns
	if turns <= 0 {
		turns = 3
	}
	earlier := 2 * (turns - 1)
	// About 65 bytes per message with its name and JSON, so 100 turns are ~13 KB, the
	// size issue 11 measured an agent's history at.
	each := 10
	if s.histBytes > 0 && earlier > 0 {
		each = s.histBytes / earlier
	}
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	msgs := make([]message, 0, earlier+1)
	for k := range earlier {
		role := "user"
		if k%2 == 1 {
			role = "assistant"
		}
		msgs = append(msgs, message{role, fmt.Sprintf("chat %s turn %d: %s", marker, k/2, filler(each))})
	}
	last := "question " + marker
	if s.padBytes > 0 {
		last = prose.Text(s.padBytes) + " " + last
	}
	msgs = append(msgs, message{"user", last})
	b, _ := json.Marshal(map[string]any{"model": "load-model", "stream": s.stream, "messages": msgs})
	return b
}

// writeHead writes, on a raw connection, the head of a chat completions request that
// announces a body of length bytes, and then start (all or the first part of the body).
func writeHead(w io.Writer, host string, length int, start string) {
	fmt.Fprintf(w, "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\n\r\n%s", host, length, start)
}
