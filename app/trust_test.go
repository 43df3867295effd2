package app

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testCACert = CACert{
	Path:   "/home/ann/.local/share/llmtap/ca.pem",
	Name:   "llmtap local CA (box)",
	Serial: "0a1b2c",
	SHA1:   "0123456789ABCDEF0123456789ABCDEF01234567",
}

// commandLines renders cmds as the shell lines a user would copy.
func commandLines(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.String())
	}
	return out
}

func TestTrustCommands(t *testing.T) {
	tests := []struct {
		name string
		host TrustHost
		want []string
	}{
		{"macos", TrustHost{OS: "darwin", Home: "/Users/ann"}, []string{
			"security add-trusted-cert -r trustRoot -k /Users/ann/Library/Keychains/login.keychain-db /home/ann/.local/share/llmtap/ca.pem",
		}},
		{"windows", TrustHost{OS: "windows", Home: `C:\Users\ann`}, []string{
			"certutil -user -addstore Root /home/ann/.local/share/llmtap/ca.pem",
		}},
		{"linux_debian", TrustHost{OS: "linux", Home: "/home/ann"}, []string{
			"sudo cp /home/ann/.local/share/llmtap/ca.pem /usr/local/share/ca-certificates/llmtap.crt",
			"sudo update-ca-certificates",
		}},
		{"linux_debian_with_nss", TrustHost{OS: "linux", Home: "/home/ann", NSSDB: true}, []string{
			"sudo cp /home/ann/.local/share/llmtap/ca.pem /usr/local/share/ca-certificates/llmtap.crt",
			"sudo update-ca-certificates",
			"certutil -d sql:/home/ann/.pki/nssdb -A -t C,, -n llmtap -i /home/ann/.local/share/llmtap/ca.pem",
		}},
		{"linux_p11kit", TrustHost{OS: "linux", Home: "/home/ann", P11Kit: true}, []string{
			"sudo trust anchor --store /home/ann/.local/share/llmtap/ca.pem",
		}},
		{"linux_firefox", TrustHost{OS: "linux", Home: "/home/ann", FirefoxProfiles: []string{
			"/home/ann/.mozilla/firefox/x1.default-release", "/home/ann/snap/firefox/common/.mozilla/firefox/y2.default"}}, []string{
			"sudo cp /home/ann/.local/share/llmtap/ca.pem /usr/local/share/ca-certificates/llmtap.crt",
			"sudo update-ca-certificates",
			"certutil -d sql:/home/ann/.mozilla/firefox/x1.default-release -A -t C,, -n llmtap -i /home/ann/.local/share/llmtap/ca.pem",
			"certutil -d sql:/home/ann/snap/firefox/common/.mozilla/firefox/y2.default -A -t C,, -n llmtap -i /home/ann/.local/share/llmtap/ca.pem",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds, err := TrustCommands(tt.host, testCACert)
			if err != nil {
				t.Fatalf("TrustCommands(%+v) = %v", tt.host, err)
			}
			if diff := cmp.Diff(tt.want, commandLines(cmds)); diff != "" {
				t.Errorf("TrustCommands(%+v) (-want +got):\n%s", tt.host, diff)
			}
			for _, c := range cmds {
				if c.Why == "" {
					t.Errorf("command %q has no Why", c)
				}
			}
		})
	}
}

func TestUntrustCommands(t *testing.T) {
	tests := []struct {
		name string
		host TrustHost
		want []string
	}{
		{"macos", TrustHost{OS: "darwin", Home: "/Users/ann"}, []string{
			"security remove-trusted-cert /home/ann/.local/share/llmtap/ca.pem",
			"security delete-certificate -Z 0123456789ABCDEF0123456789ABCDEF01234567 /Users/ann/Library/Keychains/login.keychain-db",
		}},
		{"windows", TrustHost{OS: "windows"}, []string{"certutil -user -delstore Root 0a1b2c"}},
		{"linux_debian_with_nss", TrustHost{OS: "linux", Home: "/home/ann", NSSDB: true}, []string{
			"sudo rm -f /usr/local/share/ca-certificates/llmtap.crt",
			"sudo update-ca-certificates --fresh",
			"certutil -d sql:/home/ann/.pki/nssdb -D -n llmtap",
		}},
		{"linux_p11kit", TrustHost{OS: "linux", Home: "/home/ann", P11Kit: true}, []string{
			"sudo trust anchor --remove /home/ann/.local/share/llmtap/ca.pem",
		}},
		{"linux_firefox", TrustHost{OS: "linux", Home: "/home/ann", P11Kit: true, FirefoxProfiles: []string{"/home/ann/.mozilla/firefox/x1.default"}}, []string{
			"sudo trust anchor --remove /home/ann/.local/share/llmtap/ca.pem",
			"certutil -d sql:/home/ann/.mozilla/firefox/x1.default -D -n llmtap",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds, err := UntrustCommands(tt.host, testCACert)
			if err != nil {
				t.Fatalf("UntrustCommands(%+v) = %v", tt.host, err)
			}
			if diff := cmp.Diff(tt.want, commandLines(cmds)); diff != "" {
				t.Errorf("UntrustCommands(%+v) (-want +got):\n%s", tt.host, diff)
			}
		})
	}
}

func TestTrustCommandsUnsupportedOS(t *testing.T) {
	for _, build := range []func(TrustHost, CACert) ([]Command, error){TrustCommands, UntrustCommands} {
		if _, err := build(TrustHost{OS: "plan9"}, testCACert); !errors.Is(err, ErrTrustUnsupported) {
			t.Errorf("commands for plan9 = %v, want ErrTrustUnsupported", err)
		}
	}
}

func TestCommandString(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"plain", Command{Args: []string{"sudo", "update-ca-certificates"}}, "sudo update-ca-certificates"},
		{"posix_space", Command{Args: []string{"cp", "/Users/Ann Lee/ca.pem"}}, "cp '/Users/Ann Lee/ca.pem'"},
		{"posix_quote", Command{Args: []string{"cp", "it's.pem"}}, `cp 'it'\''s.pem'`},
		{"windows_backslashes", Command{Args: []string{"certutil", `C:\Users\ann\ca.pem`}, windows: true}, `certutil C:\Users\ann\ca.pem`},
		{"windows_space", Command{Args: []string{"certutil", `C:\Users\Ann Lee\ca.pem`}, windows: true}, `certutil "C:\Users\Ann Lee\ca.pem"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cmd.String(); got != tt.want {
				t.Errorf("Command%v.String() = %s, want %s", tt.cmd.Args, got, tt.want)
			}
		})
	}
}

func TestProxyEnv(t *testing.T) {
	tests := []struct {
		name   string
		bundle string
		want   []EnvVar
	}{
		{"with_bundle", "/d/ca-bundle.pem", []EnvVar{
			{"HTTPS_PROXY", "http://127.0.0.1:8780"},
			{"HTTP_PROXY", "http://127.0.0.1:8780"},
			{"NO_PROXY", "localhost,127.0.0.1,::1"},
			{"NODE_EXTRA_CA_CERTS", "/d/ca.pem"},
			{"SSL_CERT_FILE", "/d/ca-bundle.pem"},
			{"REQUESTS_CA_BUNDLE", "/d/ca-bundle.pem"},
			{"CURL_CA_BUNDLE", "/d/ca-bundle.pem"},
		}},
		{"without_bundle", "", []EnvVar{
			{"HTTPS_PROXY", "http://127.0.0.1:8780"},
			{"HTTP_PROXY", "http://127.0.0.1:8780"},
			{"NO_PROXY", "localhost,127.0.0.1,::1"},
			{"NODE_EXTRA_CA_CERTS", "/d/ca.pem"},
			{"SSL_CERT_FILE", "/d/ca.pem"},
			{"REQUESTS_CA_BUNDLE", "/d/ca.pem"},
			{"CURL_CA_BUNDLE", "/d/ca.pem"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProxyEnv("127.0.0.1:8780", "/d/ca.pem", tt.bundle)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ProxyEnv (-want +got):\n%s", diff)
			}
			seen := map[string]bool{}
			for _, e := range got {
				if seen[e.Key] {
					t.Errorf("ProxyEnv sets %s twice", e.Key)
				}
				seen[e.Key] = true
			}
		})
	}
}
