package desktop

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/systray"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/llmtap/llmtap/app"
)

var (
	//go:embed tray-on.png
	iconOn []byte
	//go:embed tray-off.png
	iconOff []byte
)

// tray is llmtap's icon and menu in the notification area (fyne.io/systray: on
// Linux a StatusNotifierItem with a com.canonical.dbusmenu menu). The window's
// header has the same switches for desktops without a tray host.
type tray struct {
	app *app.App
	log *slog.Logger

	mu  sync.Mutex
	ctx context.Context // the Wails context, once the window has started

	capture, proxyAddr, today, show, sysProxy, quit *systray.MenuItem
	stop                                            chan struct{}
	changed                                         chan struct{} // state changed elsewhere (the app menu)
	onChange                                        func()        // tell the app menu
	shown                                           [2]bool       // capture and system proxy as last shown
}

func newTray(a *app.App, log *slog.Logger) *tray {
	return &tray{app: a, log: log.With("component", "tray"), stop: make(chan struct{}), changed: make(chan struct{}, 1)}
}

// setWailsContext hands the tray the context Wails runtime calls need.
func (t *tray) setWailsContext(ctx context.Context) {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
}

func (t *tray) wails() context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ctx
}

// notify makes the tray show a change made elsewhere, without waiting for its tick.
func (t *tray) notify() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// onReady builds the menu; systray calls it once the icon exists.
func (t *tray) onReady() {
	systray.SetTitle("llmtap")
	t.capture = systray.AddMenuItemCheckbox("Capture", "Record exchanges (the proxy forwards either way)", t.app.Capturing())
	t.proxyAddr = systray.AddMenuItem("Base URL: "+t.app.BaseURL(), "Click to copy the base URL to paste into a client")
	t.today = systray.AddMenuItem("Captured today: …", "")
	t.today.Disable()
	systray.AddSeparator()
	t.show = systray.AddMenuItem("Open window", "")
	st := t.app.SystemProxy()
	t.sysProxy = systray.AddMenuItemCheckbox("Use as system proxy", st.Reason, st.Enabled)
	if !st.Supported {
		t.sysProxy.Disable()
	}
	systray.AddSeparator()
	t.quit = systray.AddMenuItem("Quit llmtap", "Stop capturing, restore the system proxy, and exit")
	t.refresh()
	go t.loop()
}

// refresh brings the icon, tooltip and counters up to date.
func (t *tray) refresh() {
	on := t.app.Capturing()
	if on {
		systray.SetIcon(iconOn)
		t.capture.Check()
	} else {
		systray.SetIcon(iconOff)
		t.capture.Uncheck()
	}
	y, m, d := time.Now().Date()
	n, err := t.app.DB().CountExchangesSince(context.Background(), time.Date(y, m, d, 0, 0, 0, 0, time.Local))
	if err == nil {
		t.today.SetTitle(fmt.Sprintf("Captured today: %d", n))
	}
	state := "capturing"
	if !on {
		state = "paused: forwarding without recording"
	}
	systray.SetTooltip(fmt.Sprintf("llmtap, %s\n%s", state, t.app.BaseURL()))
	sys := t.app.SystemProxy().Enabled
	if sys {
		t.sysProxy.Check()
	} else {
		t.sysProxy.Uncheck()
	}
	// The window's header can switch these too: keep the menu bar in step.
	if now := [2]bool{on, sys}; now != t.shown {
		t.shown = now
		if t.onChange != nil {
			t.onChange()
		}
	}
}

func (t *tray) loop() {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-t.capture.ClickedCh:
			t.app.SetCapture(!t.app.Capturing())
			if t.onChange != nil {
				t.onChange()
			}
		case <-t.proxyAddr.ClickedCh:
			if ctx := t.wails(); ctx != nil {
				if err := wruntime.ClipboardSetText(ctx, t.app.BaseURL()); err != nil {
					t.log.Warn("copy base URL", "err", err)
				}
			}
		case <-t.show.ClickedCh:
			if ctx := t.wails(); ctx != nil {
				wruntime.WindowShow(ctx)
			}
		case <-t.sysProxy.ClickedCh:
			if err := t.app.SetSystemProxy(context.Background(), !t.app.SystemProxy().Enabled); err != nil {
				t.log.Error("system proxy", "err", err)
			}
			if t.onChange != nil {
				t.onChange()
			}
		case <-t.quit.ClickedCh:
			if ctx := t.wails(); ctx != nil {
				wruntime.Quit(ctx) // OnShutdown drains the queue and restores the system proxy
			}
			return
		case <-tick.C:
		case <-t.changed:
		case <-t.stop:
			return
		}
		t.refresh()
	}
}
