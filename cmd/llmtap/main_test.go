package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

func TestRunErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	data := t.TempDir()
	// A credential in the environment would let the exposure cases through.
	t.Setenv("LLMTAP_PROXY_TOKEN", "")
	t.Setenv("LLMTAP_UI_TOKEN", "")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no_command", nil, 2, "Usage"},
		{"unknown_command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad_route", []string{"serve", "--data", data, "--route", "nourl"}, 2, "want NAME=URL"},
		{"negative_body_timeout", []string{"serve", "--data", data, "--body-timeout", "-5s"}, 2, "--body-timeout"},
		{"bad_target", []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--target", "ftp://x"}, 1, "ftp://x"},
		{"proxy_port_in_use", []string{"serve", "--data", data, "--listen", busy.Addr().String()}, 1, "already in use"},
		{"ui_port_in_use", []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--ui", busy.Addr().String()}, 1, "already in use"},
		// The check runs before anything binds: these never listen beyond loopback.
		{"proxy_exposed_without_token", []string{"serve", "--data", t.TempDir(), "--listen", "0.0.0.0:0"}, 1, "--proxy-token"},
		{"proxy_any_host_without_token", []string{"serve", "--data", t.TempDir(), "--listen", ":0"}, 1, "--proxy-token"},
		{"ui_token_too_short", []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--ui-token", "short"}, 1, "--ui-token"},
		{"export_without_database", []string{"export", "--data", t.TempDir(), "--out", t.TempDir() + "/x.json"}, 1, "no llmtap database"},
		{"export_bad_format", []string{"export", "--data", data, "--format", "csv", "--out", t.TempDir() + "/x.json"}, 1, `format "csv"`},
		{"export_bad_status", []string{"export", "--data", data, "--status", "good"}, 2, "--status"},
		{"export_bad_system", []string{"export", "--data", data, "--system", "top"}, 2, "--system"},
		{"export_bad_opener", []string{"export", "--data", data, "--opener", "keep"}, 2, "--opener \"keep\": must be system or drop"},
		{"export_bad_names", []string{"export", "--data", data, "--names", "yes"}, 2, "--names"},
		{"export_bad_pairs", []string{"export", "--data", data, "--pairs", "some"}, 2, "--pairs \"some\": must be all or signalled"},
		{"export_bad_min_score", []string{"export", "--data", data, "--min-score", "6"}, 2, "--min-score 6: must be 1 to 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("run(%q) = %d, stderr %q; want %d containing %q", tt.args, code, stderr.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}
