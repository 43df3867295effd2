package app

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/llmtap/llmtap/proxy"
)

// ErrTrustUnsupported is returned by TrustCommands and UntrustCommands for an OS
// without known commands; the user then trusts ca.pem by hand.
var ErrTrustUnsupported = errors.New("no CA trust commands for this OS")

// CACert is what the trust commands need to know about llmtap's CA.
type CACert struct {
	// Path is the CA certificate file (ca.pem in the data folder).
	Path string
	// Name is the certificate's common name, "llmtap local CA (HOST)".
	Name string
	// Serial is the serial number in hex with an even number of digits, as
	// Windows certutil prints and accepts it.
	Serial string
	// SHA1 is the certificate's SHA-1 fingerprint in upper-case hex, which macOS
	// security(1) uses to name one certificate exactly.
	SHA1 string
}

// CACertOf describes ca for the trust commands.
func CACertOf(ca *proxy.CA) CACert {
	c := ca.Certificate()
	serial := fmt.Sprintf("%x", c.SerialNumber)
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	return CACert{
		Path:   ca.CertPath(),
		Name:   c.Subject.CommonName,
		Serial: serial,
		// SHA-1 only names the certificate here (security -Z); nothing relies on it for security.
		SHA1: fmt.Sprintf("%X", sha1.Sum(c.Raw)),
	}
}

// TrustHost describes the machine the trust commands are for. LocalTrustHost fills
// it in for this machine; the zero value of each field is the common case.
type TrustHost struct {
	// OS is a GOOS value: "darwin", "windows" or "linux".
	OS string
	// Home is the user's home folder (the macOS login keychain and the NSS
	// database live under it).
	Home string
	// NSSDB reports that Home/.pki/nssdb exists: Linux Chromium (and other NSS
	// programs) trust only that database, not the system store.
	NSSDB bool
	// P11Kit selects p11-kit's `trust anchor` (Fedora, RHEL, Arch) over Debian's
	// update-ca-certificates for the Linux system store. false means Debian/Ubuntu.
	P11Kit bool
	// FirefoxProfiles are the Linux Firefox profile folders (each with its own NSS
	// database, cert9.db): Firefox on Linux trusts neither the system store nor
	// ~/.pki/nssdb. On macOS and Windows Firefox reads the OS store (since 120).
	FirefoxProfiles []string
}

// Command is one program invocation, Args[0] being the program.
type Command struct {
	Args []string
	// Why says in a few words what the step is for, for people reading the list.
	Why string
	// MayFail marks a removal from a store that may never have held the CA (a browser
	// profile made after trusting): RunCommands reports its failure and goes on.
	MayFail bool

	windows bool // quote for cmd.exe/PowerShell rather than a POSIX shell
}

// String is the command as it would be typed in a shell, quoted where needed.
func (c Command) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = quoteArg(a, c.windows)
	}
	return strings.Join(parts, " ")
}

func quoteArg(a string, windows bool) string {
	if a != "" && !strings.ContainsAny(a, " \t\n\"'`$&|;<>()*?[]#~!{}\\") {
		return a
	}
	if windows {
		if !strings.ContainsAny(a, " \t\"&|<>()^") {
			return a // backslashes in paths need no quoting there
		}
		return `"` + strings.ReplaceAll(a, `"`, `""`) + `"`
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// Names under which the CA is installed in Linux stores.
const (
	debianAnchor = "/usr/local/share/ca-certificates/llmtap.crt"
	nssNickname  = "llmtap"
)

// TrustCommands returns the commands that make h trust ca for the current user, in
// order: the OS store (macOS login keychain, Windows current-user Root store, Linux
// system store with sudo) and, on Linux, the NSS databases of Chromium and of each
// Firefox profile. The error wraps ErrTrustUnsupported for other systems.
func TrustCommands(h TrustHost, ca CACert) ([]Command, error) {
	switch h.OS {
	case "darwin":
		return []Command{{
			Args: []string{"security", "add-trusted-cert", "-r", "trustRoot", "-k", loginKeychain(h), ca.Path},
			Why:  "trust the CA in your login keychain (macOS asks for your password)",
		}}, nil
	case "windows":
		return []Command{{
			Args:    []string{"certutil", "-user", "-addstore", "Root", ca.Path},
			Why:     "trust the CA in your user's Root store (Windows asks to confirm)",
			windows: true,
		}}, nil
	case "linux":
		var cmds []Command
		if h.P11Kit {
			cmds = append(cmds, Command{Args: []string{"sudo", "trust", "anchor", "--store", ca.Path}, Why: "trust the CA system-wide"})
		} else {
			cmds = append(cmds,
				Command{Args: []string{"sudo", "cp", ca.Path, debianAnchor}, Why: "add the CA to the system certificates"},
				Command{Args: []string{"sudo", "update-ca-certificates"}, Why: "rebuild the system bundle"})
		}
		if h.NSSDB {
			cmds = append(cmds, Command{
				Args: []string{"certutil", "-d", nssDB(h), "-A", "-t", "C,,", "-n", nssNickname, "-i", ca.Path},
				Why:  "trust the CA in Chromium's NSS database",
			})
		}
		for _, p := range h.FirefoxProfiles {
			cmds = append(cmds, Command{
				Args: []string{"certutil", "-d", "sql:" + p, "-A", "-t", "C,,", "-n", nssNickname, "-i", ca.Path},
				Why:  "trust the CA in Firefox profile " + filepath.Base(p) + " (restart Firefox)",
			})
		}
		return cmds, nil
	default:
		return nil, fmt.Errorf("trust CA on %q: %w", h.OS, ErrTrustUnsupported)
	}
}

// UntrustCommands returns the commands that undo TrustCommands(h, ca): they remove
// this CA (by fingerprint or serial where the store allows, so another certificate
// with the same name is left alone).
func UntrustCommands(h TrustHost, ca CACert) ([]Command, error) {
	switch h.OS {
	case "darwin":
		return []Command{
			{Args: []string{"security", "remove-trusted-cert", ca.Path}, Why: "drop the trust setting"},
			{Args: []string{"security", "delete-certificate", "-Z", ca.SHA1, loginKeychain(h)}, Why: "remove the CA from your login keychain"},
		}, nil
	case "windows":
		return []Command{{
			Args:    []string{"certutil", "-user", "-delstore", "Root", ca.Serial},
			Why:     "remove the CA from your user's Root store",
			windows: true,
		}}, nil
	case "linux":
		var cmds []Command
		if h.P11Kit {
			cmds = append(cmds, Command{Args: []string{"sudo", "trust", "anchor", "--remove", ca.Path}, Why: "stop trusting the CA system-wide"})
		} else {
			cmds = append(cmds,
				Command{Args: []string{"sudo", "rm", "-f", debianAnchor}, Why: "remove the CA from the system certificates"},
				// --fresh drops the stale symlink the removed file leaves in /etc/ssl/certs.
				Command{Args: []string{"sudo", "update-ca-certificates", "--fresh"}, Why: "rebuild the system bundle"})
		}
		if h.NSSDB {
			cmds = append(cmds, Command{
				Args:    []string{"certutil", "-d", nssDB(h), "-D", "-n", nssNickname},
				Why:     "remove the CA from Chromium's NSS database",
				MayFail: true,
			})
		}
		for _, p := range h.FirefoxProfiles {
			cmds = append(cmds, Command{
				Args:    []string{"certutil", "-d", "sql:" + p, "-D", "-n", nssNickname},
				Why:     "remove the CA from Firefox profile " + filepath.Base(p),
				MayFail: true,
			})
		}
		return cmds, nil
	default:
		return nil, fmt.Errorf("untrust CA on %q: %w", h.OS, ErrTrustUnsupported)
	}
}

func loginKeychain(h TrustHost) string {
	return filepath.Join(h.Home, "Library", "Keychains", "login.keychain-db")
}

func nssDB(h TrustHost) string { return "sql:" + filepath.Join(h.Home, ".pki", "nssdb") }

// EnvVar is one environment variable setting.
type EnvVar struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ProxyEnv returns, in order, the environment that sends a tool's traffic through
// llmtap at proxyAddr (host:port) and makes it trust the CA even when it ignores the
// OS store. NODE_EXTRA_CA_CERTS adds to Node's roots, so it gets caPath; the other
// CA variables replace a tool's roots, so they get bundlePath (the system roots plus
// the CA), or caPath when bundlePath is "". NO_PROXY keeps local traffic direct.
func ProxyEnv(proxyAddr, caPath, bundlePath string) []EnvVar {
	if bundlePath == "" {
		bundlePath = caPath
	}
	proxyURL := "http://" + proxyAddr
	return []EnvVar{
		{"HTTPS_PROXY", proxyURL},
		{"HTTP_PROXY", proxyURL},
		{"NO_PROXY", "localhost,127.0.0.1,::1"},
		{"NODE_EXTRA_CA_CERTS", caPath},
		{"SSL_CERT_FILE", bundlePath},
		{"REQUESTS_CA_BUNDLE", bundlePath},
		{"CURL_CA_BUNDLE", bundlePath},
	}
}
