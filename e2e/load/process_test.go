package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bins holds the binaries built for this test process: once, on first use, into a
// folder TestMain removes. Package state, because building is the costly step every
// test shares (SQLite alone compiles for ~40 s on a cold cache).
var bins struct {
	once            sync.Once
	dir             string
	llmtap, barehop string
	err             error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "llmtap-load-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	bins.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireLoad skips unless LLMTAP_LOAD=1: these tests start processes and run for
// seconds to minutes.
func requireLoad(t testing.TB) {
	t.Helper()
	if os.Getenv("LLMTAP_LOAD") == "" {
		t.Skip("load test against the real binary: run with LLMTAP_LOAD=1 (see e2e/README.md)")
	}
}

// binaries returns the llmtap binary ($LLMTAP_BIN, or ./cmd/llmtap built with the
// project's GOFLAGS from scripts/env.sh) and barehop, built once per test process.
func binaries(t testing.TB) (llmtap, barehop string) {
	t.Helper()
	bins.once.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			bins.err = err
			return
		}
		bins.llmtap = os.Getenv("LLMTAP_BIN")
		if bins.llmtap == "" {
			bins.llmtap = filepath.Join(bins.dir, "llmtap")
			if bins.err = goBuild(root, bins.llmtap, "./cmd/llmtap"); bins.err != nil {
				return
			}
		}
		bins.barehop = filepath.Join(bins.dir, "barehop")
		bins.err = goBuild(root, bins.barehop, "./e2e/load/barehop")
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.llmtap, bins.barehop
}

// goBuild builds pkg with scripts/env.sh sourced, so the binary has the tags the
// project's scripts build with (without sqlite_fts5 it fails at first use), and
// copies it to out as cp or a package manager would. A file written at once (the
// linker writes its output through a mapping; one os.WriteFile of the whole binary
// does the same) sits in the page cache in large folios, and a kernel that maps
// them whole (6.18 here) keeps ~5 MB more of it resident in every process running
// it (~28 MB at start instead of ~22, measured): a copy made by io.Copy (the
// kernel's copy_file_range, as cp) measures what an installed llmtap costs.
func goBuild(root, out, pkg string) error {
	linked := out + ".linked"
	cmd := exec.Command("bash", "-c", `source scripts/env.sh && exec go build -o "$1" "$2"`, "build", linked, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	defer os.Remove(linked)
	return copyFile(linked, out)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// proc is one running llmtap serve or barehop.
type proc struct {
	name     string
	cmd      *exec.Cmd
	proxyURL string // http://127.0.0.1:PORT
	uiURL    string // llmtap only
	dataDir  string
	mu       sync.Mutex
	out      strings.Builder // stdout and stderr, interleaved
	exited   chan struct{}   // closed once Wait returned; then state is set
	state    *os.ProcessState
}

var bannerRE = regexp.MustCompile(`(?m)^\s*(proxy|ui):\s+(http://[^\s/]+)`)

// startServe runs llmtap serve on free loopback ports with dataDir and target, plus
// extra flags, and returns once its banner shows both addresses. The process is
// killed at cleanup if still running.
func startServe(t testing.TB, dataDir, target string, extra ...string) *proc {
	t.Helper()
	bin, _ := binaries(t)
	args := append([]string{"serve", "--data", dataDir, "--listen", "127.0.0.1:0", "--ui", "127.0.0.1:0",
		"--target", target}, extra...)
	p := start(t, "llmtap", bin, args, true)
	p.dataDir = dataDir
	return p
}

// startBarehop runs the bare reverse proxy in front of target.
func startBarehop(t testing.TB, target string) *proc {
	t.Helper()
	_, bin := binaries(t)
	return start(t, "barehop", bin, []string{"--listen", "127.0.0.1:0", "--target", target}, false)
}

func start(t testing.TB, name, bin string, args []string, wantUI bool) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := false
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			for _, m := range bannerRE.FindAllStringSubmatch(sc.Text(), -1) {
				if m[1] == "proxy" {
					p.proxyURL = m[2]
				} else {
					p.uiURL = m[2]
				}
			}
			done := p.proxyURL != "" && (p.uiURL != "" || !wantUI)
			p.mu.Unlock()
			if done && !signalled {
				signalled = true
				close(ready)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		p.cmd.Wait()
		p.state = p.cmd.ProcessState
		pw.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case <-ready:
		return p
	case <-p.exited:
		t.Fatalf("%s %s exited before listening (%v):\n%s", name, strings.Join(args, " "), p.state, p.output())
	case <-time.After(time.Minute):
		t.Fatalf("%s did not print its addresses within a minute:\n%s", name, p.output())
	}
	return nil
}

// output returns everything the process printed so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// stop sends sig and waits (at most two minutes) for the process to exit, returning
// its exit code (-1 when a signal ended it).
func (p *proc) stop(t testing.TB, sig syscall.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("%s did not exit within two minutes of %v; killed:\n%s", p.name, sig, tail(p.output()))
	}
	return p.state.ExitCode()
}

// procStatus reads a kB field (VmHWM: peak RSS, VmRSS: current) of /proc/PID/status,
// in MB (10^6 bytes, as the bounds are).
func (p *proc) procStatus(t testing.TB, field string) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read %s status: %v", p.name, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				t.Fatalf("%s %s %q: %v", p.name, field, v, err)
			}
			return kb * 1024 / 1e6
		}
	}
	t.Fatalf("%s: no %s in /proc/%d/status", p.name, field, p.cmd.Process.Pid)
	return 0
}

// cpuSeconds is the CPU time (user and system) the process has used so far, from
// /proc/PID/stat in clock ticks of 1/100 s (USER_HZ on Linux): on this shared
// machine the wall clock measures the neighbours too, the CPU what the work costs.
func (p *proc) cpuSeconds(t testing.TB) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read %s stat: %v", p.name, err)
	}
	// The command name, in parentheses, may hold spaces: fields count after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		t.Fatalf("%s: /proc/%d/stat unreadable: %q", p.name, p.cmd.Process.Pid, b)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64) // field 14 of stat
	stime, err2 := strconv.ParseFloat(f[12], 64) // field 15
	if err1 != nil || err2 != nil {
		t.Fatalf("%s stat times %q %q", p.name, f[11], f[12])
	}
	return (utime + stime) / 100
}

// peakMB is the process's peak resident memory so far, in MB.
func (p *proc) peakMB(t testing.TB) float64 { return p.procStatus(t, "VmHWM") }

// rssKinds says what the resident memory is made of: the heaps (anonymous) and the
// mapped binary and libraries (file), from /proc/PID/status.
func (p *proc) rssKinds(t testing.TB) string {
	return fmt.Sprintf("anonymous %.0f MB, files %.0f MB", p.procStatus(t, "RssAnon"), p.procStatus(t, "RssFile"))
}

// status is what the load tests read of GET /api/status.
type status struct {
	Queued    int64  `json:"queued"`
	Held      int64  `json:"held"`
	Unsaved   int64  `json:"unsaved"`
	Exchanges int64  `json:"exchanges"`
	SaveError string `json:"saveError"`
}

func (p *proc) status(ctx context.Context) (status, error) {
	var st status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.uiURL+"/api/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("get status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return st, fmt.Errorf("get status: %s: %s", resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("decode status: %w", err)
	}
	return st, nil
}

// waitStatus polls /api/status until done says yes or the bound passes, and returns
// the last status with the time it was seen.
func (p *proc) waitStatus(t testing.TB, bound time.Duration, what string, done func(status) bool) (status, time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last status
	for {
		st, err := p.status(ctx)
		now := time.Now()
		if err == nil {
			last = st
			if done(st) {
				return st, now
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%s: not %s within %v; last status %+v (err %v)\n%s", p.name, what, bound, last, err, tail(p.output()))
		}
	}
}

// waitIndexed waits until nothing logged waits to be indexed (queued = 0).
func (p *proc) waitIndexed(t testing.TB, bound time.Duration) status {
	t.Helper()
	st, _ := p.waitStatus(t, bound, "caught up (queued and held 0)", func(s status) bool { return s.Queued == 0 && s.Held == 0 })
	return st
}

// tail is the end of a process's output, for failure messages.
func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

// rssWatch samples a process's resident memory every few milliseconds and keeps
// what it was made of at its highest sample: VmHWM gives the peak, not its parts.
type rssWatch struct {
	stop chan struct{}
	done chan struct{}
	peak struct{ rss, anon, file float64 }
}

// watchRSS starts sampling p; stopRSS ends it and says what the peak was made of.
func (p *proc) watchRSS() *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), done: make(chan struct{})}
	path := fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)
	go func() {
		defer close(w.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return
			}
			rss, anon, file := statusMB(b, "VmRSS"), statusMB(b, "RssAnon"), statusMB(b, "RssFile")
			if rss > w.peak.rss {
				w.peak.rss, w.peak.anon, w.peak.file = rss, anon, file
			}
		}
	}()
	return w
}

func (w *rssWatch) stopRSS() string {
	close(w.stop)
	<-w.done
	return fmt.Sprintf("highest sample %.0f MB: anonymous %.0f MB, files %.0f MB", w.peak.rss, w.peak.anon, w.peak.file)
}

// statusMB reads one "Key:   N kB" line of /proc/PID/status, in MB.
func statusMB(status []byte, key string) float64 {
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024 / 1e6
		}
	}
	return 0
}
