package load

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDiskFull runs llmtap on a small tmpfs, fills it, and keeps sending requests:
// clients must still get their answers; once the filler is removed what waited must
// be written, and whatever could not be kept must be counted in unsaved, a count that
// survives a restart. Mounting needs root (CI runs as root).
func TestDiskFull(t *testing.T) {
	requireLoad(t)
	if os.Geteuid() != 0 {
		t.Skip("mounting the tmpfs this test fills needs root (CI runs as root)")
	}
	mnt := t.TempDir()
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs on %s: %v: %s", mnt, err, b)
	}
	// Registered after TempDir, so it runs before the folder is removed, and after
	// the processes started below are killed.
	t.Cleanup(func() {
		if b, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, b)
		}
	})
	dir := filepath.Join(mnt, "data")
	up := newUpstream(t)
	p := startServe(t, dir, up.URL())
	prefix := markerPrefix()
	// Some exchanges before the disk fills, so the database and its WAL exist.
	warm := load{n: 50, conc: 4, shapes: []shape{{}}}.run(t.Context(), p.proxyURL, prefix+"w")
	p.waitIndexed(t, durabilityBound)

	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	full := load{n: 400, conc: 4, shapes: []shape{{}, {stream: true}, {replyBytes: 64 << 10}}}.run(t.Context(), p.proxyURL, prefix)
	if full.failed > 0 {
		t.Errorf("on a full disk %d of %d clients got no full answer; first: %v", full.failed, len(full.acks)+full.failed, full.firstErr)
	}
	whileFull, err := p.status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	after := p.waitIndexed(t, durabilityBound)
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("llmtap exited %d after SIGTERM, want 0:\n%s", code, tail(p.output()))
	}
	_, restarted := replayAndRead(t, dir, up.URL(), prefix)
	stored := storedMarkers(t, dir, prefix)
	acks := append(warm.acks, full.acks...)
	missing := lost(acks, stored)
	t.Logf("disk full: %d acknowledged, %d stored; status while full %+v; once space returned %+v; after a restart %+v",
		len(acks), len(acks)-len(missing), whileFull, after, restarted)
	if whileFull.Held == 0 && whileFull.Unsaved == 0 {
		t.Errorf("while the disk was full nothing was held or lost (%+v): the test did not fill the disk", whileFull)
	}
	// What waited in memory reaches the database once space returns, without a restart.
	if after.Exchanges+after.Unsaved < int64(len(acks)) {
		t.Errorf("once space returned %d exchanges stored and %d unsaved, want all %d acknowledged accounted for",
			after.Exchanges, after.Unsaved, len(acks))
	}
	if restarted.Unsaved != after.Unsaved {
		t.Errorf("unsaved was %d before the restart and %d after: the count of captures that could not be kept is not persisted",
			after.Unsaved, restarted.Unsaved)
	}
	if int64(len(missing)) > after.Unsaved {
		t.Errorf("%s; only %d counted as unsaved", lossReport("disk full", len(acks), missing), after.Unsaved)
	}
}

// fill writes a file until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for range 1 << 12 { // 4 GiB at most: the tmpfs is far smaller
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatalf("fill %s: %v", path, err)
		}
	}
	t.Fatalf("fill %s: 4 GiB written and the disk is not full", path)
}
