package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"

	"github.com/llmtap/llmtap/app/sysproxy"
)

// SystemProxyState is the answer of GET /api/system-proxy.
type SystemProxyState struct {
	// Supported is false where llmtap cannot set this desktop's proxy; Reason says why.
	Supported bool   `json:"supported"`
	Reason    string `json:"reason,omitempty"`
	Backend   string `json:"backend,omitempty"` // "GNOME", "KDE", "macOS", "Windows"
	Enabled   bool   `json:"enabled"`
}

// errNeedsMITM: a system proxy sends every app's HTTPS through llmtap as CONNECT,
// which only --mitm answers; without it every HTTPS request on the machine fails.
var errNeedsMITM = errors.New("the system proxy needs MITM mode: start llmtap with --mitm")

// openSystemProxy picks the backend for this machine and, when a previous run died
// with the system pointing at llmtap, restores the person's settings at once.
func (a *App) openSystemProxy(ctx context.Context) {
	b, r := a.cfg.SystemProxy, a.cfg.SystemProxyRunner
	if b == nil {
		var err error
		b, err = sysproxy.Detect(runtime.GOOS, os.Getenv("XDG_CURRENT_DESKTOP"), func(name string) bool {
			_, err := exec.LookPath(name)
			return err == nil
		})
		if err != nil {
			a.sysproxyErr = err
			return
		}
	}
	if r == nil {
		r = sysproxy.ExecRunner{}
	}
	a.sysproxy = sysproxy.NewManager(b, r, a.cfg.DataDir)
	restored, err := a.sysproxy.Recover(ctx)
	switch {
	case err != nil:
		a.log.Error("restore the system proxy left by a previous run", "err", err)
	case restored:
		a.log.Info("restored the system proxy settings a previous run left pointing at llmtap", "backend", b.Name())
	}
}

// SystemProxy tells whether llmtap can and does act as the system proxy.
func (a *App) SystemProxy() SystemProxyState {
	a.sysproxyMu.Lock()
	defer a.sysproxyMu.Unlock()
	if a.sysproxy == nil {
		return SystemProxyState{Reason: a.sysproxyErr.Error()}
	}
	st := SystemProxyState{Supported: true, Backend: a.sysproxy.Backend().Name(), Enabled: a.sysproxy.Enabled()}
	if a.mitm == nil {
		st.Supported, st.Reason = false, errNeedsMITM.Error()
	}
	return st
}

// SetSystemProxy points the system proxy at llmtap (saving the settings it had) or
// puts the saved settings back.
func (a *App) SetSystemProxy(ctx context.Context, on bool) error {
	a.sysproxyMu.Lock()
	defer a.sysproxyMu.Unlock()
	if a.sysproxy == nil {
		return fmt.Errorf("system proxy: %w", a.sysproxyErr)
	}
	if !on {
		return a.sysproxy.Disable(ctx)
	}
	if a.mitm == nil {
		return errNeedsMITM
	}
	host, portText, err := net.SplitHostPort(a.ProxyAddr())
	if err != nil {
		return fmt.Errorf("system proxy: proxy address %q: %w", a.ProxyAddr(), err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("system proxy: proxy address %q: %w", a.ProxyAddr(), err)
	}
	if err := a.sysproxy.Enable(ctx, sysproxy.Proxy{Host: host, Port: port}); err != nil {
		return err
	}
	a.log.Info("system proxy points at llmtap", "backend", a.sysproxy.Backend().Name(), "addr", a.ProxyAddr())
	return nil
}

// restoreSystemProxy runs first at shutdown, while the proxy still answers, so no
// app is ever left pointing at a proxy that is gone.
func (a *App) restoreSystemProxy(ctx context.Context) error {
	a.sysproxyMu.Lock()
	defer a.sysproxyMu.Unlock()
	if a.sysproxy == nil || !a.sysproxy.Enabled() {
		return nil
	}
	return a.sysproxy.Disable(ctx)
}
