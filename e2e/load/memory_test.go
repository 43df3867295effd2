package load

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 11's memory bounds, in MB.
const (
	peakBoundMB = 100
	idleBoundMB = 40
)

// memScenario is one way of loading the proxy whose peak RSS is checked.
type memScenario struct {
	name string
	run  func(t *testing.T, p *proc)
}

// memScenarios are the scenarios, each bounded in count.
var memScenarios = []memScenario{
	// ~17 MB is live at the peak; the rest is what the collector has freed and not
	// yet given back under the 48 MiB soft limit, the C heap, and the ~25 MB of the
	// binary mapped (README, "Memory"). 82-87 MB.
	{"replies_2mb_conc_8", func(t *testing.T, p *proc) {
		runOK(t, p, load{n: 160, conc: 8, shapes: []shape{{replyBytes: 2 << 20}, {replyBytes: 2 << 20, stream: true}}})
	}},
	{"histories_512kib", func(t *testing.T, p *proc) {
		runOK(t, p, load{n: 200, conc: 8, shapes: []shape{{turns: 20, histBytes: 512 << 10}, {turns: 20, histBytes: 512 << 10, stream: true}}})
	}},
	// Two at a time, padded with prose (it compresses ~3.4x, as real text does). The
	// relay holds neither body (each is forwarded as it arrives, and its ~9 MB frame
	// waits in a spill file), and the indexer, storing an earlier one meanwhile,
	// holds it once (its text decoded where it lies; its frame read from the log's
	// file): ~36 MB live at the peak. 77-83 MB (257 MB two sessions ago).
	{"requests_30mb", func(t *testing.T, p *proc) {
		runOK(t, p, load{n: 6, conc: 2, shapes: []shape{{turns: 1, padBytes: 30_000_000}}})
	}},
	{"idle_connections_2000", func(t *testing.T, p *proc) {
		conns := openIdle(t, p, 2000)
		defer closeAll(conns)
	}},
	{"announced_33mb_bodies_20", func(t *testing.T, p *proc) {
		conns := announce(t, p, 20, 33_000_000)
		defer closeAll(conns)
		// Round trips on other connections after the announcements, so the server has
		// had every announced request's headers in hand before the peak is read.
		runOK(t, p, load{n: 20, conc: 4, shapes: []shape{{}}})
	}},
}

// TestPeakMemory runs each scenario against a fresh llmtap and checks its peak RSS
// (VmHWM) stays under the bound of 100 MB.
func TestPeakMemory(t *testing.T) {
	requireLoad(t)
	up := newUpstream(t)
	for _, sc := range memScenarios {
		t.Run(sc.name, func(t *testing.T) {
			p := startServe(t, t.TempDir(), up.URL())
			base := p.peakMB(t)
			watch := p.watchRSS()
			sc.run(t, p)
			relayed := p.peakMB(t)
			// Indexing follows at its own pace and may peak later than the relay.
			p.waitIndexed(t, durabilityBound)
			peak := p.peakMB(t)
			t.Logf("%s: peak RSS %.0f MB (%.0f MB after start, %.0f MB when the last client was answered; %s); %.2f s of CPU",
				sc.name, peak, base, relayed, watch.stopRSS(), p.cpuSeconds(t))
			if peak >= peakBoundMB {
				// With GODEBUG=gctrace=1 in the environment the tail shows the Go heap beside it.
				t.Errorf("%s: peak RSS %.0f MB, want under %d MB; llmtap's last output:\n%s", sc.name, peak, peakBoundMB, tail(p.output()))
			}
		})
	}
}

// TestMemoryReturnedWhenIdle loads llmtap with each scenario that stores bodies
// (2 MB replies, 512 KiB histories, 30 MB requests), then sends nothing more and
// polls VmRSS once a second for a minute: it must fall under 40 MB. Idle means no
// requests: whatever indexing is left runs inside that minute. It costs up to a
// minute a scenario, so it runs only with LLMTAP_LOAD_LONG=1.
func TestMemoryReturnedWhenIdle(t *testing.T) {
	requireLoad(t)
	if os.Getenv("LLMTAP_LOAD_LONG") == "" {
		t.Skip("waits up to a minute of idle: run with LLMTAP_LOAD_LONG=1")
	}
	up := newUpstream(t)
	for _, sc := range memScenarios[:3] {
		t.Run(sc.name, func(t *testing.T) {
			p := startServe(t, t.TempDir(), up.URL())
			sc.run(t, p)
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			var seen []string
			for range 60 {
				rss := p.procStatus(t, "VmRSS")
				seen = append(seen, fmt.Sprintf("%.0f", rss))
				if rss < idleBoundMB {
					t.Logf("peak %.0f MB; RSS under %d MB after %d s idle: %s MB", p.peakMB(t), idleBoundMB, len(seen)-1, strings.Join(seen, " "))
					return
				}
				<-tick.C
			}
			t.Errorf("peak %.0f MB; RSS still %s MB after a minute of idle (%s), want under %d MB; each second: %s MB",
				p.peakMB(t), seen[len(seen)-1], p.rssKinds(t), idleBoundMB, strings.Join(seen, " "))
		})
	}
}

// runOK runs l against p and fails the test if any request was not answered in full.
func runOK(t *testing.T, p *proc, l load) result {
	t.Helper()
	res := l.run(t.Context(), p.proxyURL, markerPrefix())
	if res.failed > 0 {
		t.Fatalf("%d of %d requests not answered in full; first: %v", res.failed, l.n, res.firstErr)
	}
	return res
}

// openIdle opens n connections to p's proxy, makes one small request on each and
// leaves them open and idle (keep-alive).
func openIdle(t *testing.T, p *proc, n int) []net.Conn {
	t.Helper()
	host := proxyHost(t, p)
	body := string(chatBody("idle", shape{}))
	conns := make([]net.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			conn, err := net.Dial("tcp", host)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = conn
			writeHead(conn, host, len(body), body)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		closeAll(conns)
		t.Fatalf("open %d idle connections: %v", n, err)
	}
	return conns
}

// announce opens n connections that each send the headers of a request announcing a
// body of size bytes, and then nothing.
func announce(t *testing.T, p *proc, n, size int) []net.Conn {
	t.Helper()
	host := proxyHost(t, p)
	var conns []net.Conn
	for range n {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			closeAll(conns)
			t.Fatal(err)
		}
		conns = append(conns, conn)
		writeHead(conn, host, size, "")
	}
	return conns
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

func proxyHost(t *testing.T, p *proc) string {
	t.Helper()
	u, err := url.Parse(p.proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
