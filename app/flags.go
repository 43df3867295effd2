package app

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/llmtap/llmtap/proxy"
)

// RegisterFlags defines the flags both shells share (--listen, --data, --target,
// --providers, --route, --allow-host, --max-body, --body-timeout, --idle-timeout, --mitm) on fs, writing into c. Call Finish after
// fs.Parse to apply the values that need converting.
func (c *Config) RegisterFlags(fs *flag.FlagSet) *ParsedFlags {
	if c.Routes == nil {
		c.Routes = map[string]string{}
	}
	p := &ParsedFlags{cfg: c}
	fs.StringVar(&c.ProxyAddr, "listen", DefaultProxyAddr, "proxy `address`")
	fs.StringVar(&c.DataDir, "data", "", "data `folder` (database, exports); default: $LLMTAP_DATA_DIR or the OS user data folder + /llmtap")
	fs.StringVar(&c.Target, "target", "", "base `URL` that origin-form requests go to (POST /v1/chat/completions → URL/v1/chat/completions)")
	fs.StringVar(&c.Providers, "providers", "", "model gateway `file` (providers.yaml: providers, keys, models; reloaded on change); default: providers.yaml in the data folder when it exists")
	fs.Var(routeFlag(c.Routes), "route", "`NAME=URL`: POST /NAME/v1/… goes to URL/v1/… (repeatable)")
	fs.Var(&p.allow, "allow-host", "extra LLM API `host` for the /HOST/… route form (repeatable)")
	fs.Int64Var(&p.maxBodyMiB, "max-body", 32, "largest request body in `MiB`; larger ones get 413")
	fs.DurationVar(&p.bodyTimeout, "body-timeout", proxy.DefaultBodyTimeout, "longest wait for a whole request body (`duration`); slower ones get 408; 0: no limit")
	fs.DurationVar(&p.idleTimeout, "idle-timeout", proxy.DefaultIdleTimeout, "close keep-alive connections idle this long (`duration`); 0: never")
	fs.BoolVar(&c.MITM, "mitm", false, "also act as an HTTPS proxy (HTTPS_PROXY): decrypt and capture LLM API hosts with llmtap's CA, tunnel the rest")
	fs.BoolVar(&c.SystemProxyOn, "system-proxy", false, "point the OS proxy settings at llmtap while it runs (needs --mitm); restored on quit, or at the next start after a crash")
	fs.StringVar(&c.ProxyToken, "proxy-token", "", "credential proxy clients must present; needed when --listen is beyond loopback; default: $LLMTAP_PROXY_TOKEN")
	fs.Var((*listFlag)(&c.MITMAllow), "mitm-allow", "with --mitm, a `destination` beyond ports 80/443 or on a private address that tunnels may reach: a CIDR or IP (any port), host, host:port or *.domain (repeatable)")
	fs.Var((*listFlag)(&c.AllowOrigins), "allow-origin", "web page `origin` (https://app.example) whose browser requests the proxy accepts (repeatable)")
	return p
}

// RegisterUIFlags defines the flags of the UI that llmtap serve offers a browser
// (--ui-token, --ui-allow-host) on fs, writing into c. The desktop window has no
// such listener.
func (c *Config) RegisterUIFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.UIToken, "ui-token", "", "token browsers and API clients need when --ui is beyond loopback; default: $LLMTAP_UI_TOKEN, then the one in settings, else one is made, saved and printed")
	fs.Var((*listFlag)(&c.UIAllowHosts), "ui-allow-host", "extra `name` the UI answers to as Host, besides localhost and IP addresses (repeatable)")
}

// ParsedFlags holds flag values that become Config fields after parsing.
type ParsedFlags struct {
	cfg        *Config
	allow      listFlag
	maxBodyMiB int64
	// bodyTimeout and idleTimeout are the flags' values, where 0 means none (and
	// Config's zero value means the default).
	bodyTimeout, idleTimeout time.Duration
}

// Finish copies the converted flag values into the Config, and takes the proxy
// token from $LLMTAP_PROXY_TOKEN when --proxy-token was not given (an environment
// variable stays out of the process list that other users can read).
func (p *ParsedFlags) Finish() error {
	if p.cfg.ProxyToken == "" {
		p.cfg.ProxyToken = os.Getenv("LLMTAP_PROXY_TOKEN")
	}
	if p.maxBodyMiB <= 0 {
		return fmt.Errorf("--max-body %d: must be at least 1 (MiB)", p.maxBodyMiB)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		dst  *time.Duration
	}{{"body-timeout", p.bodyTimeout, &p.cfg.BodyTimeout}, {"idle-timeout", p.idleTimeout, &p.cfg.IdleTimeout}} {
		switch {
		case d.v < 0:
			return fmt.Errorf("--%s %s: must not be negative (0 turns it off)", d.name, d.v)
		case d.v == 0:
			*d.dst = -1
		default:
			*d.dst = d.v
		}
	}
	p.cfg.AllowHosts = append(p.cfg.AllowHosts, p.allow...)
	p.cfg.MaxBody = p.maxBodyMiB << 20
	return nil
}

// routeFlag collects repeated --route NAME=URL values.
type routeFlag map[string]string

func (r routeFlag) String() string { return "" }

func (r routeFlag) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || url == "" || strings.Contains(name, "/") {
		return fmt.Errorf("%q: want NAME=URL, e.g. local=http://127.0.0.1:5000", v)
	}
	if _, dup := r[name]; dup {
		return fmt.Errorf("route %q given twice", name)
	}
	r[name] = url
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
