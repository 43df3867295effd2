package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// LocalTrustHost describes this machine for TrustCommands: its OS, the user's home
// folder, whether an NSS database exists, and which Linux store tool is installed.
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
		// Debian's tool wins where both exist: its folder is what the docs name.
		if _, err := exec.LookPath("update-ca-certificates"); err != nil {
			if _, err := exec.LookPath("trust"); err == nil {
				h.P11Kit = true
			}
		}
	}
	return h, nil
}

// RunCommands runs cmds in order, each with stdin (sudo may ask for a password)
// and its output to out, and stops at the first that fails.
func RunCommands(ctx context.Context, cmds []Command, stdin io.Reader, out io.Writer) error {
	for _, c := range cmds {
		fmt.Fprintf(out, "$ %s\n", c)
		cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("run %s: %w", c, err)
		}
	}
	return nil
}
