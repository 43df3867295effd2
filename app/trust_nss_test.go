package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/llmtap/llmtap/proxy"
)

// TestNSSTrustForReal runs the NSS steps of TrustCommands and UntrustCommands with
// the real certutil (libnss3-tools) against real NSS databases laid out as Chromium
// and Firefox (package, Snap) keep them in a temporary home, found the way
// LocalTrustHost finds them. The sudo steps for the system store are left out: they
// would change this machine.
func TestNSSTrustForReal(t *testing.T) {
	if _, err := exec.LookPath("certutil"); err != nil {
		t.Fatal("certutil not found: scripts/setup --test installs it (libnss3-tools)")
	}
	home := t.TempDir()
	dbs := []string{
		filepath.Join(home, ".pki", "nssdb"),
		filepath.Join(home, ".mozilla", "firefox", "x1.default-release"),
		filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox", "y2.default"),
	}
	// A Firefox folder without a database (a profile never started) is not a profile.
	if err := os.MkdirAll(filepath.Join(home, ".mozilla", "firefox", "Crash Reports"), 0o700); err != nil {
		t.Fatal(err)
	}
	certutil := func(args ...string) (string, error) {
		out, err := exec.CommandContext(t.Context(), "certutil", args...).CombinedOutput()
		return string(out), err
	}
	for _, db := range dbs {
		if err := os.MkdirAll(db, 0o700); err != nil {
			t.Fatal(err)
		}
		if out, err := certutil("-N", "-d", "sql:"+db, "--empty-password"); err != nil {
			t.Fatalf("create NSS database %s: %v\n%s", db, err, out)
		}
	}
	if got, want := firefoxProfiles(home), []string{dbs[1], dbs[2]}; !slices.Equal(got, want) {
		t.Fatalf("firefoxProfiles = %q, want %q", got, want)
	}
	ca, err := proxy.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := TrustHost{OS: "linux", Home: home, NSSDB: true, FirefoxProfiles: firefoxProfiles(home)}
	userSteps := func(cmds []Command, err error) []Command {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(cmds, func(c Command) bool { return c.Args[0] == "sudo" })
	}

	var out bytes.Buffer
	trust := userSteps(TrustCommands(h, CACertOf(ca)))
	if len(trust) != len(dbs) {
		t.Fatalf("%d NSS steps, want one per database (%d): %q", len(trust), len(dbs), commandLines(trust))
	}
	if err := RunCommands(t.Context(), trust, nil, &out); err != nil {
		t.Fatalf("trust: %v\n%s", err, &out)
	}
	for _, db := range dbs {
		got, err := certutil("-L", "-d", "sql:"+db)
		if err != nil {
			t.Fatalf("list %s: %v\n%s", db, err, got)
		}
		// certutil -L prints each nickname with its trust flags: "C,," is a trusted CA for TLS.
		if !strings.Contains(got, nssNickname) || !strings.Contains(got, "C,,") {
			t.Errorf("%s does not trust the CA for TLS:\n%s", db, got)
		}
	}

	// A Firefox profile made after trusting does not hold the CA: untrust gets past it
	// to the profiles after it.
	late := filepath.Join(home, ".mozilla", "firefox", "z3.late")
	if err := os.MkdirAll(late, 0o700); err != nil {
		t.Fatal(err)
	}
	if got, err := certutil("-N", "-d", "sql:"+late, "--empty-password"); err != nil {
		t.Fatalf("create NSS database %s: %v\n%s", late, err, got)
	}
	h.FirefoxProfiles = firefoxProfiles(home)
	if i, j := slices.Index(h.FirefoxProfiles, late), slices.Index(h.FirefoxProfiles, dbs[2]); i < 0 || i > j {
		t.Fatalf("profiles %q: want %s before %s", h.FirefoxProfiles, late, dbs[2])
	}
	if err := RunCommands(t.Context(), userSteps(UntrustCommands(h, CACertOf(ca))), nil, &out); err != nil {
		t.Fatalf("untrust: %v\n%s", err, &out)
	}
	for _, db := range dbs {
		if got, err := certutil("-L", "-d", "sql:"+db, "-n", nssNickname); err == nil {
			t.Errorf("%s still holds the CA after untrust:\n%s", db, got)
		}
	}
}
