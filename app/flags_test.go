package app

import (
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

func TestFlagsTimeouts(t *testing.T) {
	tests := []struct {
		name            string
		args            []string
		wantBody        time.Duration
		wantIdle        time.Duration
		wantErrContains string
	}{
		{"defaults", nil, proxy.DefaultBodyTimeout, proxy.DefaultIdleTimeout, ""},
		{"set", []string{"--body-timeout", "90s", "--idle-timeout", "5m"}, 90 * time.Second, 5 * time.Minute, ""},
		{"zero_turns_off", []string{"--body-timeout", "0", "--idle-timeout", "0"}, -1, -1, ""},
		{"negative_body", []string{"--body-timeout", "-1s"}, 0, 0, "--body-timeout"},
		{"negative_idle", []string{"--idle-timeout", "-1s"}, 0, 0, "--idle-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			p := cfg.RegisterFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatalf("Parse(%q) = %v", tt.args, err)
			}
			err := p.Finish()
			if tt.wantErrContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrContains) {
					t.Fatalf("Finish() after %q = %v, want an error naming %s", tt.args, err, tt.wantErrContains)
				}
				return
			}
			if err != nil || cfg.BodyTimeout != tt.wantBody || cfg.IdleTimeout != tt.wantIdle {
				t.Errorf("after %q: BodyTimeout %v, IdleTimeout %v, err %v; want %v, %v, nil", tt.args, cfg.BodyTimeout, cfg.IdleTimeout, err, tt.wantBody, tt.wantIdle)
			}
		})
	}
}

// TestMITMAllowReachesTheProxy checks that --mitm-allow ends up as the MITM
// config's allowed destinations.
func TestMITMAllowReachesTheProxy(t *testing.T) {
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	p := cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"--mitm", "--mitm-allow", "10.0.0.0/8", "--mitm-allow", "nas.lan:8443", "--data", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
	cfg.Log = slog.New(slog.DiscardHandler)
	m, err := openMITM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(m.AllowDestinations, ","), "10.0.0.0/8,nas.lan:8443"; got != want {
		t.Errorf("AllowDestinations = %q, want %q", got, want)
	}
}
