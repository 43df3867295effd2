package app

import (
	"strings"
	"testing"
)

func TestTerminalCommand(t *testing.T) {
	env := []EnvVar{{Key: "HTTPS_PROXY", Value: "http://127.0.0.1:8780"}, {Key: "NODE_EXTRA_CA_CERTS", Value: "/home/a b/ca.pem"}}
	only := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, x := range names {
				if x == n {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		name, goos string
		has        func(string) bool
		want       string
		wantErr    bool
	}{
		{"debian_alternative", "linux", only("x-terminal-emulator", "xterm"),
			`x-terminal-emulator -e env HTTPS_PROXY=http://127.0.0.1:8780 NODE_EXTRA_CA_CERTS=/home/a b/ca.pem sh -c`, false},
		{"gnome", "linux", only("gnome-terminal"), "gnome-terminal -- env HTTPS_PROXY=", false},
		{"none", "linux", only(), "", true},
		{"macos", "darwin", only(), `osascript -e tell application "Terminal" to do script "export HTTPS_PROXY='http://127.0.0.1:8780'; export NODE_EXTRA_CA_CERTS='/home/a b/ca.pem';`, false},
		{"windows", "windows", only(), `cmd /c start llmtap cmd /k set "HTTPS_PROXY=http://127.0.0.1:8780" && set "NODE_EXTRA_CA_CERTS=/home/a b/ca.pem"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, err := TerminalCommand(tt.goos, env, tt.has)
			if (err != nil) != tt.wantErr {
				t.Fatalf("TerminalCommand(%s) error = %v, want error %v", tt.goos, err, tt.wantErr)
			}
			if got := strings.Join(args, " "); !strings.HasPrefix(got, tt.want) {
				t.Errorf("TerminalCommand(%s) = %q, want it to start with %q", tt.goos, got, tt.want)
			}
		})
	}
}
