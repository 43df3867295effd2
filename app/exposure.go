package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/llmtap/llmtap/app/access"
)

// Exposure is what CheckExposure decided about the UI token.
type Exposure struct {
	// NewUIToken is set when the UI listens beyond loopback and had no token: this
	// one was made and saved in settings, and the shell prints it.
	NewUIToken string
}

// CheckExposure runs before anything binds. It fills c.UIToken (the --ui-token flag,
// else $LLMTAP_UI_TOKEN, else the one in settings s), and refuses, with an error
// wrapping access.ErrExposed that names the flag, a proxy beyond loopback without
// c.ProxyToken. A UI beyond loopback (uiAddr) without a token gets a new one, saved in
// the data folder's settings (0600); if it cannot be saved, CheckExposure refuses.
func (c *Config) CheckExposure(uiAddr string, s Settings) (Exposure, error) {
	from := "--ui-token"
	if c.UIToken == "" {
		c.UIToken, from = os.Getenv("LLMTAP_UI_TOKEN"), "LLMTAP_UI_TOKEN"
	}
	if c.UIToken == "" {
		c.UIToken, from = s.UIToken, "uiToken in "+SettingsFile
	}
	if err := access.CheckToken(c.UIToken); err != nil {
		return Exposure{}, fmt.Errorf("%s: %w", from, err)
	}
	if !access.Loopback(c.ProxyAddr) && c.ProxyToken == "" {
		return Exposure{}, fmt.Errorf("proxy address %s: %w: anyone who reaches it could relay through it and write into "+
			"your data; set --proxy-token (or LLMTAP_PROXY_TOKEN), or listen on 127.0.0.1", c.ProxyAddr, access.ErrExposed)
	}
	if access.Loopback(uiAddr) || c.UIToken != "" {
		return Exposure{}, nil
	}
	tok, err := access.NewToken()
	if err == nil {
		err = c.saveUIToken(tok)
	}
	if err != nil {
		return Exposure{}, fmt.Errorf("UI address %s: %w, and none could be made (%w): set --ui-token or LLMTAP_UI_TOKEN",
			uiAddr, access.ErrExposed, err)
	}
	c.UIToken = tok
	return Exposure{NewUIToken: tok}, nil
}

// saveUIToken stores tok in the settings of the data folder, reading them afresh so
// that nothing else in them changes.
func (c *Config) saveUIToken(tok string) error {
	if err := PrivateDataDir(c.DataDir, c.logger()); err != nil {
		return err
	}
	s, err := LoadSettings(c.DataDir)
	if err != nil {
		return err
	}
	s.UIToken = tok
	return SaveSettings(c.DataDir, s)
}

// logger is c.Log, or a logger that discards before Open has set one.
func (c *Config) logger() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}
