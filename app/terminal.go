package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
)

// TerminalCommand builds the command that opens a new terminal window whose shell
// has env set (HTTPS_PROXY and the CA variables), so whatever the person runs there
// is captured. has reports whether a program is on the PATH. The variables are put
// on the shell's command line, because terminals like gnome-terminal start shells
// from a server that does not inherit the caller's environment.
func TerminalCommand(goos string, env []EnvVar, has func(string) bool) ([]string, error) {
	switch goos {
	case "darwin":
		var script strings.Builder
		for _, e := range env {
			fmt.Fprintf(&script, "export %s=%s; ", e.Key, shellQuote(e.Value))
		}
		script.WriteString("clear; echo 'llmtap: this shell is captured'")
		// AppleScript string: escape backslashes and double quotes.
		as := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(script.String())
		return []string{"osascript", "-e", `tell application "Terminal" to do script "` + as + `"`,
			"-e", `tell application "Terminal" to activate`}, nil
	case "windows":
		var sets []string
		for _, e := range env {
			sets = append(sets, fmt.Sprintf(`set "%s=%s"`, e.Key, e.Value))
		}
		sets = append(sets, "echo llmtap: this window is captured")
		return []string{"cmd", "/c", "start", "llmtap", "cmd", "/k", strings.Join(sets, " && ")}, nil
	}
	shell := []string{"env"}
	for _, e := range env {
		shell = append(shell, e.Key+"="+e.Value)
	}
	shell = append(shell, "sh", "-c", `echo "llmtap: this shell is captured"; exec "${SHELL:-/bin/sh}"`)
	for _, t := range []struct {
		name string
		sep  []string
	}{
		{"x-terminal-emulator", []string{"-e"}}, // Debian's alternative: the person's choice
		{"gnome-terminal", []string{"--"}},
		{"konsole", []string{"-e"}},
		{"xfce4-terminal", []string{"-x"}},
		{"xterm", []string{"-e"}},
	} {
		if has(t.name) {
			return append(append([]string{t.name}, t.sep...), shell...), nil
		}
	}
	return nil, errors.New("no terminal emulator found (x-terminal-emulator, gnome-terminal, konsole, xfce4-terminal or xterm)")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// OpenTerminal opens a terminal window whose shell is captured by this app.
func (a *App) OpenTerminal(ctx context.Context) error {
	env := a.ProxyEnv()
	if env == nil {
		return errNeedsMITM
	}
	args, err := TerminalCommand(runtime.GOOS, env, func(name string) bool {
		_, err := exec.LookPath(name)
		return err == nil
	})
	if err != nil {
		return err
	}
	// The terminal outlives the request: not tied to ctx.
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a terminal: %w", err)
	}
	go cmd.Wait() // reap it
	return nil
}

func (a *App) apiOpenTerminal(r *http.Request) (any, error) {
	if err := a.OpenTerminal(r.Context()); err != nil {
		if errors.Is(err, errNeedsMITM) {
			return nil, &apiError{status: http.StatusConflict, msg: err.Error()}
		}
		return nil, &apiError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	return nil, nil
}

// apiProxyEnv answers GET /api/proxy-env: the variables to copy into a shell.
func (a *App) apiProxyEnv(r *http.Request) (any, error) {
	env := a.ProxyEnv()
	if env == nil {
		return nil, &apiError{status: http.StatusConflict, msg: errNeedsMITM.Error()}
	}
	return env, nil
}
