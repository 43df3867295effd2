package desktop

import (
	"context"
	"log/slog"
	"runtime"

	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/llmtap/llmtap/app"
)

// appMenu is the window's menu bar: the tray's switches again, for desktops
// without a tray host (GNOME without an extension) and for people who look there.
type appMenu struct {
	app      *app.App
	log      *slog.Logger
	tray     *tray
	menu     *menu.Menu
	capture  *menu.MenuItem
	sysProxy *menu.MenuItem
}

func newAppMenu(a *app.App, log *slog.Logger, t *tray) *appMenu {
	m := &appMenu{app: a, log: log, tray: t, menu: menu.NewMenu()}
	if runtime.GOOS == "darwin" {
		m.menu.Append(menu.AppMenu()) // macOS expects its own first menu (About, Hide, Quit)
	}
	file := m.menu.AddSubmenu("llmtap")
	m.capture = file.AddCheckbox("Capture", a.Capturing(), keys.CmdOrCtrl("k"), func(*menu.CallbackData) {
		a.SetCapture(!a.Capturing())
		m.sync()
	})
	st := a.SystemProxy()
	m.sysProxy = file.AddCheckbox("Use as system proxy", st.Enabled, nil, func(*menu.CallbackData) {
		if err := a.SetSystemProxy(context.Background(), !a.SystemProxy().Enabled); err != nil {
			log.Error("system proxy", "err", err)
		}
		m.sync()
	})
	if !st.Supported {
		m.sysProxy.Disable()
	}
	file.AddText("Copy base URL", keys.CmdOrCtrl("b"), func(*menu.CallbackData) {
		if ctx := t.wails(); ctx != nil {
			if err := wruntime.ClipboardSetText(ctx, a.BaseURL()); err != nil {
				log.Warn("copy base URL", "err", err)
			}
		}
	})
	file.AddSeparator()
	file.AddText("Quit", keys.CmdOrCtrl("q"), func(*menu.CallbackData) {
		if ctx := t.wails(); ctx != nil {
			wruntime.Quit(ctx)
		}
	})
	if runtime.GOOS == "darwin" {
		m.menu.Append(menu.EditMenu()) // copy and paste in the webview need it on macOS
	}
	return m
}

// sync shows the current state in the menu and the tray, whichever was used.
func (m *appMenu) sync() {
	m.capture.SetChecked(m.app.Capturing())
	m.sysProxy.SetChecked(m.app.SystemProxy().Enabled)
	if ctx := m.tray.wails(); ctx != nil {
		wruntime.MenuUpdateApplicationMenu(ctx)
	}
	m.tray.notify()
}
