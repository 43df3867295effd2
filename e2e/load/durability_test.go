package load

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
)

// durabilityBound is how long a restarted binary may take to index what its
// predecessor logged: generous, since the machine is shared.
const durabilityBound = 5 * time.Minute

// loadUntil runs l against p in the background and returns once trigger fires (it is
// handed to onAck) or the load ends on its own, which fails the test: the signal must
// come under load. The returned stop cancels what is left and waits for the result.
func loadUntil(t *testing.T, p *proc, prefix string, l load, trigger func(n int, first, a ack) bool) func() result {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	fire := make(chan struct{})
	var once, firstOnce sync.Once
	var firstMu sync.Mutex
	var first ack
	l.onAck = func(n int, a ack) {
		firstOnce.Do(func() { firstMu.Lock(); first = a; firstMu.Unlock() })
		firstMu.Lock()
		f := first
		firstMu.Unlock()
		if trigger(n, f, a) {
			once.Do(func() { close(fire) })
		}
	}
	done := make(chan result, 1)
	go func() { done <- l.run(ctx, p.proxyURL, prefix) }()
	select {
	case <-fire:
	case r := <-done:
		cancel()
		t.Fatalf("the load ended (%d acknowledged, %d failed: %v) before the point to signal at", len(r.acks), r.failed, r.firstErr)
	}
	return func() result { cancel(); return <-done }
}

// replayAndRead restarts llmtap on dir, waits until what was logged is indexed,
// stops it and returns the markers stored, with the restarted binary's last status.
func replayAndRead(t *testing.T, dir, target, prefix string) (map[string]bool, status) {
	t.Helper()
	p := startServe(t, dir, target)
	st := p.waitIndexed(t, durabilityBound)
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("restarted llmtap exited %d after SIGTERM:\n%s", code, tail(p.output()))
	}
	return storedMarkers(t, dir, prefix), st
}

// TestKill9UnderLoad kills the binary while short chats (plain and streamed) go
// through it: every request acknowledged more than one second before the kill must be
// stored once a restarted binary has replayed its log.
func TestKill9UnderLoad(t *testing.T) {
	requireLoad(t)
	up := newUpstream(t)
	dir := t.TempDir()
	p := startServe(t, dir, up.URL())
	prefix := markerPrefix()
	l := load{n: 30000, conc: 8, shapes: []shape{{}, {stream: true}}}
	// Kill once at least 500 are acknowledged and the first is 2 s old, so some were
	// acknowledged more than a second before the kill.
	finish := loadUntil(t, p, prefix, l, func(n int, first, a ack) bool {
		return n >= 500 && a.at.Sub(first.at) > 2*time.Second
	})
	killedAt := time.Now()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.exited
	res := finish()

	stored, st := replayAndRead(t, dir, up.URL(), prefix)
	var old, recent []ack
	for _, a := range res.acks {
		if a.at.Before(killedAt.Add(-time.Second)) {
			old = append(old, a)
		} else {
			recent = append(recent, a)
		}
	}
	missing := lost(old, stored)
	t.Logf("kill -9 after %d acknowledged (%d more than 1 s before the kill; %d failed once killed): "+
		"%d of them stored; of the %d acknowledged in the last second, %d stored; restarted status %+v",
		len(res.acks), len(old), res.failed, len(old)-len(missing), len(recent), len(recent)-len(lost(recent, stored)), st)
	if len(missing) > 0 {
		t.Error(lossReport("kill -9 under load, requests acknowledged more than 1 s before the kill", len(old), missing))
	}
}

// TestSIGTERMUnderLoad stops the binary with SIGTERM while short chats and 2 MB
// replies (plain and streamed) go through it: it must exit 0, and every acknowledged
// request must be stored.
func TestSIGTERMUnderLoad(t *testing.T) {
	requireLoad(t)
	up := newUpstream(t)
	dir := t.TempDir()
	p := startServe(t, dir, up.URL())
	prefix := markerPrefix()
	const big = 2 << 20
	l := load{n: 2000, conc: 8, shapes: []shape{{}, {replyBytes: big}, {stream: true}, {replyBytes: big, stream: true}}}
	finish := loadUntil(t, p, prefix, l, func(n int, _, _ ack) bool { return n >= 400 })
	code := p.stop(t, syscall.SIGTERM)
	res := finish()
	if code != 0 {
		t.Errorf("llmtap exited %d after SIGTERM, want 0:\n%s", code, tail(p.output()))
	}
	stored, st := replayAndRead(t, dir, up.URL(), prefix)
	missing := lost(res.acks, stored)
	t.Logf("SIGTERM after %d acknowledged (half with 2 MB replies; %d failed once stopping): %d stored; restarted status %+v",
		len(res.acks), res.failed, len(res.acks)-len(missing), st)
	if len(missing) > 0 {
		t.Error(lossReport("SIGTERM under load", len(res.acks), missing))
	}
}
