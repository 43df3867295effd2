// Package desktop is the llmtap desktop shell: a native Wails v2 window showing the
// same frontend and API as the headless binary, with the proxy running in process.
// Only the desktop build (main.go at the repository root) links it; cmd/llmtap must
// never import it, so the headless binary stays free of webkit.
package desktop

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/llmtap/llmtap/app"
)

// Resources are the files the desktop build embeds.
type Resources struct {
	UI   fs.FS  // the built frontend
	Icon []byte // the window icon (PNG)
}

// Run starts llmtap with its window and blocks until the window quits, then drains
// the capture queue. args are the command-line flags (the same as `llmtap serve`
// takes, without --ui). It returns the process exit code.
func Run(args []string, res Resources, stderr io.Writer) int {
	fset := flag.NewFlagSet("llmtap", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var cfg app.Config
	flags := cfg.RegisterFlags(fset)
	verbose := fset.Bool("v", false, "log every request")
	if err := fset.Parse(args); err != nil {
		return 2
	}
	if err := flags.Finish(); err != nil {
		fmt.Fprintln(stderr, "llmtap:", err)
		return 2
	}
	app.LimitMemory()
	// Settings saved in the window apply unless a flag says otherwise.
	if _, err := cfg.UseSettings(app.FlagsSet(fset)); err != nil {
		fmt.Fprintln(stderr, "llmtap:", err)
		return 1
	}
	log := app.NewLogger(stderr, *verbose)
	cfg.Log = log

	var t *tray // holds the Wails context once the window runs
	cfg.SaveDialog = func(_ context.Context, name string) (string, error) {
		wctx := t.wails()
		if wctx == nil {
			return "", fmt.Errorf("the window is not up yet")
		}
		return wruntime.SaveFileDialog(wctx, wruntime.SaveDialogOptions{
			Title: "Export dataset", DefaultFilename: name, CanCreateDirectories: true,
			Filters: []wruntime.FileFilter{{DisplayName: "Datasets (*.json, *.jsonl)", Pattern: "*.json;*.jsonl"}},
		})
	}
	cfg.StartDrag = startDrag // drag.go
	ctx := context.Background()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap:", err)
		return 1
	}
	if err := a.ListenProxy(); err != nil {
		// Not fatal in the window: it shows the error, and the person can pick
		// another address in the settings.
		log.Error("proxy not listening", "err", err)
	}
	log.Info("llmtap desktop started", "proxy", a.ProxyAddr(), "base_url", a.BaseURL(), "data", a.DataDir())

	t = newTray(a, log)
	m := newAppMenu(a, log, t)
	// The tray tells the menu bar about its clicks; menu clicks reach the tray via sync.
	t.onChange = func() {
		m.capture.SetChecked(a.Capturing())
		m.sysProxy.SetChecked(a.SystemProxy().Enabled)
		if ctx := t.wails(); ctx != nil {
			wruntime.MenuUpdateApplicationMenu(ctx)
		}
	}
	var endTray func()
	if trayBeforeWindow {
		endTray = t.start()
	}
	err = wails.Run(&options.App{
		Title:     "llmtap",
		Width:     1280,
		Height:    800,
		MinWidth:  800,
		MinHeight: 500,
		AssetServer: &assetserver.Options{
			Assets:  res.UI,
			Handler: a.APIHandler(), // the window's fetch('/api/…') lands here, in process
		},
		// A file dropped on the webview (a dragged-out export let go over the window,
		// or one from a file manager) would replace the UI with the file.
		DragAndDrop: &options.DragAndDrop{DisableWebViewDrop: true},
		// Closing the window leaves llmtap running in the tray; Quit is in the tray menu.
		HideWindowOnClose: true,
		Menu:              m.menu,
		OnStartup: func(ctx context.Context) {
			quitOnSignal(ctx)
			t.setWailsContext(ctx)
			if !trayBeforeWindow {
				endTray = t.start()
			}
		},
		OnShutdown: func(context.Context) {
			if endTray != nil {
				endTray()
			}
			shutdown(a, log)
		},
		Linux: &linux.Options{ProgramName: "llmtap", Icon: res.Icon, WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId: "dev.llmtap.desktop",
			// Starting llmtap again brings the running one's window back: the way
			// home on desktops without a tray host.
			OnSecondInstanceLaunch: func(options.SecondInstanceData) {
				if ctx := t.wails(); ctx != nil {
					wruntime.WindowUnminimise(ctx)
					wruntime.WindowShow(ctx)
				}
			},
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "llmtap:", err)
		return 1
	}
	return 0
}

// quitOnSignal makes SIGINT and SIGTERM close the window the regular way, so the
// capture queue is drained (OnShutdown) instead of the process dying mid-write.
func quitOnSignal(ctx context.Context) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		signal.Stop(sig) // a second signal kills at once
		wruntime.Quit(ctx)
	}()
}

// shutdown stops the proxy and stores what the capture log holds (the rest, if the
// deadline comes first, is stored at the next start).
func shutdown(a *app.App, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
	}
}
