// Package sysproxy points the operating system's proxy settings at llmtap and puts
// them back. Each OS's commands are built by pure functions (tested on every OS);
// a Runner executes them, so the save / restore / restore-after-crash logic is
// tested with a fake. The previous settings are saved to a file before anything is
// changed, so a crash never leaves the machine pointing at a dead proxy: the next
// start finds the file and restores them.
//
// It imports only the standard library: the desktop shell and the headless binary
// may both use it.
package sysproxy

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrUnsupported is returned where llmtap cannot set this desktop's proxy (an
// unknown Linux desktop, or a missing settings tool); the UI then shows the
// environment variables instead.
var ErrUnsupported = errors.New("setting the system proxy is not supported on this desktop")

// Command is one program run with its arguments.
type Command struct {
	Args []string
}

// String quotes the command for a shell, to show it to the person before it runs.
func (c Command) String() string {
	q := make([]string, len(c.Args))
	for i, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]{}!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// Runner runs a command and returns its standard output.
type Runner interface {
	Run(ctx context.Context, c Command) (string, error)
}

// ExecRunner runs commands for real.
type ExecRunner struct{}

// Run runs c and returns its standard output; the error carries its standard error.
func (ExecRunner) Run(ctx context.Context, c Command) (string, error) {
	if len(c.Args) == 0 {
		return "", errors.New("empty command")
	}
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", c, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Proxy is where the system proxy should point.
type Proxy struct {
	Host string // "127.0.0.1"
	Port int    // 8780
	// Bypass lists hosts that go direct (localhost and loopback are always added).
	Bypass []string
}

func (p Proxy) bypass() []string {
	out := []string{"localhost", "127.0.0.1", "::1"}
	for _, b := range p.Bypass {
		if b != "" && !contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Backend reads, sets and restores one desktop's proxy settings.
type Backend interface {
	// Name says which settings it changes, e.g. "GNOME" or "macOS Wi-Fi, Ethernet".
	Name() string
	// Save reads the current settings in a form Restore takes back.
	Save(ctx context.Context, r Runner) (Saved, error)
	// EnableCommands are the commands that point the system at p.
	EnableCommands(p Proxy, s Saved) []Command
	// RestoreCommands are the commands that put s back.
	RestoreCommands(s Saved) []Command
}

// Saved is a backend's record of the settings before llmtap changed them: key →
// value, opaque to everyone but the backend that wrote it.
type Saved struct {
	Backend string            `json:"backend"`
	Values  map[string]string `json:"values"`
}
