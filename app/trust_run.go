package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
)

// LocalTrustHost describes this machine for TrustCommands: its OS, the user's home
// folder, which NSS databases exist, and which Linux store tool is installed.
func LocalTrustHost() (TrustHost, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return TrustHost{}, fmt.Errorf("find home folder: %w", err)
	}
	h := TrustHost{OS: runtime.GOOS, Home: home}
	if h.OS == "linux" {
		if fi, err := os.Stat(filepath.Join(home, ".pki", "nssdb")); err == nil && fi.IsDir() {
			h.NSSDB = true
		}
		h.FirefoxProfiles = firefoxProfiles(home)
		// Debian's tool wins where both exist: its folder is what the docs name.
		if _, err := exec.LookPath("update-ca-certificates"); err != nil {
			if _, err := exec.LookPath("trust"); err == nil {
				h.P11Kit = true
			}
		}
	}
	return h, nil
}

// firefoxFolders are where Linux Firefox keeps its profiles under the home folder:
// the distribution's package, the Snap (Ubuntu's default) and the Flatpak.
var firefoxFolders = []string{
	".mozilla/firefox",
	"snap/firefox/common/.mozilla/firefox",
	".var/app/org.mozilla.firefox/.mozilla/firefox",
}

// firefoxProfiles returns the Firefox profile folders under home that hold an NSS
// database (cert9.db), sorted.
func firefoxProfiles(home string) []string {
	var out []string
	for _, f := range firefoxFolders {
		dbs, _ := filepath.Glob(filepath.Join(home, f, "*", "cert9.db"))
		for _, db := range dbs {
			out = append(out, filepath.Dir(db))
		}
	}
	slices.Sort(out)
	return out
}

// RunCommands runs cmds in order, each with stdin (sudo may ask for a password)
// and its output to out, and stops at the first that fails, unless that one MayFail:
// then it says so on out and goes on.
func RunCommands(ctx context.Context, cmds []Command, stdin io.Reader, out io.Writer) error {
	for _, c := range cmds {
		fmt.Fprintf(out, "$ %s\n", c)
		cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, out
		if err := cmd.Run(); err != nil {
			if c.MayFail && ctx.Err() == nil {
				fmt.Fprintf(out, "(%v: it did not hold the CA; going on)\n", err)
				continue
			}
			return fmt.Errorf("run %s: %w", c, err)
		}
	}
	return nil
}
