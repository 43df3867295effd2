package app

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/llmtap/llmtap/app/access"
	"github.com/llmtap/llmtap/app/pricing"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/proxy"
)

// SettingsFile is where Settings live in the data folder.
const SettingsFile = "settings.json"

// Settings are what a person can change in the window. They are kept in the data
// folder; command-line flags given explicitly win over them.
type Settings struct {
	ProxyAddr    string            `json:"proxyAddr"`
	UIAddr       string            `json:"uiAddr"` // llmtap serve only; the window needs none
	Target       string            `json:"target"`
	Routes       map[string]string `json:"routes"`
	CaptureHosts []string          `json:"captureHosts"` // added to the built-in LLM API hosts
	MITM         bool              `json:"mitm"`
	SystemProxy  bool              `json:"systemProxy"`
	StartAtLogin bool              `json:"startAtLogin"`
	Export       ExportDefaults    `json:"export"`
	// ProbePaths are the scanner path patterns the proxy answers 404 without
	// forwarding or capturing (see proxy.DefaultProbes); they apply at once.
	ProbePaths []string `json:"probePaths"`
	// UIToken is what llmtap serve asks of browsers and API clients when its UI
	// listens beyond loopback; "" → none yet (serve makes one when it needs it). The
	// API never sends it to the window and keeps it on PUT (see apiPutSettings).
	UIToken string `json:"uiToken,omitempty"`
	// Prices override the built-in prices per model (pricing.Defaults) for the cost
	// figures; nil keeps the defaults. PUT /api/prices edits them, and a settings save
	// without them keeps the saved ones.
	Prices pricing.Table `json:"prices,omitempty"`
}

// ExportDefaults preselect the export dialog.
type ExportDefaults struct {
	Format   dataset.ExportFormat `json:"format"`
	System   string               `json:"system"` // "field" or "inline"
	Statuses []dataset.Status     `json:"statuses"`
}

// DefaultUIAddr is where llmtap serve offers the UI unless told otherwise.
const DefaultUIAddr = "127.0.0.1:8781"

// DefaultSettings are the settings of a new installation.
func DefaultSettings() Settings {
	return Settings{
		ProxyAddr: DefaultProxyAddr, UIAddr: DefaultUIAddr, Routes: map[string]string{}, CaptureHosts: []string{},
		ProbePaths: proxy.DefaultProbes(),
		Export: ExportDefaults{Format: dataset.FormatShareGPT, System: "field",
			Statuses: []dataset.Status{dataset.StatusUnreviewed, dataset.StatusConfirmed}},
	}
}

// LoadSettings reads the settings of a data folder; a folder without them gets
// DefaultSettings. A file that cannot be read is an error, never silently replaced.
func LoadSettings(dataDir string) (Settings, error) {
	s := DefaultSettings()
	b, err := os.ReadFile(filepath.Join(dataDir, SettingsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read settings %s: %w (fix or delete the file)", filepath.Join(dataDir, SettingsFile), err)
	}
	return s, nil
}

// SaveSettings writes s atomically, after Validate found nothing wrong.
func SaveSettings(dataDir string, s Settings) error {
	if bad := s.Validate(); len(bad) > 0 {
		return &SettingsError{Fields: bad}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, SettingsFile)
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// SettingsError lists the settings that are not valid, field name → message.
type SettingsError struct {
	Fields map[string]string
}

func (e *SettingsError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("%d setting(s) not valid, nothing saved:", len(names))
	for _, k := range names {
		msg += fmt.Sprintf(" %s: %s;", k, e.Fields[k])
	}
	return msg[:len(msg)-1]
}

// Validate checks every field and returns field name → what is wrong (JSON names,
// e.g. "routes.local"); nil when all is well.
func (s Settings) Validate() map[string]string {
	bad := map[string]string{}
	for field, addr := range map[string]string{"proxyAddr": s.ProxyAddr, "uiAddr": s.UIAddr} {
		if err := checkAddr(addr); err != nil {
			bad[field] = err.Error()
		}
	}
	// The proxy's own validation names the bad value; try each piece alone so the
	// message lands on the right field.
	if s.Target != "" {
		if _, err := proxy.New(proxy.Config{Target: s.Target}); err != nil {
			bad["target"] = err.Error()
		}
	}
	for name, url := range s.Routes {
		if _, err := proxy.New(proxy.Config{Routes: map[string]string{name: url}}); err != nil {
			bad["routes."+name] = err.Error()
		}
	}
	for i, h := range s.CaptureHosts {
		if _, err := proxy.New(proxy.Config{AllowHosts: []string{h}}); err != nil {
			bad["captureHosts."+strconv.Itoa(i)] = err.Error()
		}
	}
	for i, p := range s.ProbePaths {
		if err := proxy.CheckProbe(p); err != nil {
			bad["probePaths."+strconv.Itoa(i)] = err.Error()
		}
	}
	if err := access.CheckToken(s.UIToken); err != nil {
		bad["uiToken"] = err.Error()
	}
	for model, msg := range s.Prices.Validate() {
		bad["prices."+model] = msg
	}
	if s.SystemProxy && !s.MITM {
		bad["systemProxy"] = "needs MITM mode: turn on mitm too"
	}
	if spec, err := dataset.LookupFormat(s.Export.Format); err != nil || spec.Pairs {
		bad["export.format"] = fmt.Sprintf("%q: must be a format of conversations, not %s", s.Export.Format, dataset.FormatPreference)
		if err != nil {
			bad["export.format"] = fmt.Sprintf("%q: must be %s", s.Export.Format, dataset.FormatNames())
		}
	}
	if s.Export.System != "field" && s.Export.System != "inline" {
		bad["export.system"] = fmt.Sprintf("%q: must be field or inline", s.Export.System)
	}
	for _, st := range s.Export.Statuses {
		if !st.Valid() {
			bad["export.statuses"] = fmt.Sprintf("%q: must be unreviewed, confirmed or rejected", st)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port, e.g. 127.0.0.1:8780", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	if host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Errorf("%q: the host must be an IP address or localhost", addr)
	}
	return nil
}

// ApplySettings fills c from s, except the fields whose flags were given on the
// command line (set holds flag names, as flag.FlagSet.Visit reports them).
func (c *Config) ApplySettings(s Settings, set map[string]bool) {
	if !set["listen"] {
		c.ProxyAddr = s.ProxyAddr
	}
	if !set["target"] {
		c.Target = s.Target
	}
	if !set["route"] {
		c.Routes = s.Routes
	}
	if !set["allow-host"] {
		c.AllowHosts = append(c.AllowHosts, s.CaptureHosts...)
	}
	if !set["mitm"] {
		c.MITM = s.MITM
	}
	c.Probes = s.ProbePaths
	if !set["system-proxy"] {
		c.SystemProxyOn = s.SystemProxy
	}
}

// UseSettings resolves the data folder, reads its settings, and fills c from them,
// keeping the fields whose flags were given (set, as flag.FlagSet.Visit reports).
// It returns the settings, for the values a shell applies itself (the UI address).
func (c *Config) UseSettings(set map[string]bool) (Settings, error) {
	if c.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return Settings{}, err
		}
		c.DataDir = dir
	}
	s, err := LoadSettings(c.DataDir)
	if err != nil {
		return s, err
	}
	c.ApplySettings(s, set)
	return s, nil
}

// FlagsSet lists the flags given on a command line, for UseSettings.
func FlagsSet(fs interface{ Visit(func(*flag.Flag)) }) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
