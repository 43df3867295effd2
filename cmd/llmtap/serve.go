package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/app/access"
	"github.com/llmtap/llmtap/frontend"
)

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg app.Config
	flags := cfg.RegisterFlags(fs)
	cfg.RegisterUIFlags(fs)
	uiAddr := fs.String("ui", app.DefaultUIAddr, "UI and JSON API `address`")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "llmtap serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := flags.Finish(); err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		return 2
	}
	// Settings saved in the window apply unless a flag says otherwise.
	set := app.FlagsSet(fs)
	settings, err := cfg.UseSettings(set)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		return 1
	}
	if !set["ui"] {
		*uiAddr = settings.UIAddr
	}
	log := app.NewLogger(stderr, *verbose)
	cfg.Log = log
	app.LimitMemory()
	// Before anything binds: nothing may listen beyond loopback without a credential.
	exposure, err := cfg.CheckExposure(*uiAddr, settings)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		return 1
	}
	shutdown := func() int {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.Shutdown(sctx); err != nil {
			fmt.Fprintln(stderr, "llmtap serve:", err)
			return 1
		}
		return 0
	}
	if err := a.ListenProxy(); err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		shutdown()
		return 1
	}
	ui, err := a.ServeUI(*uiAddr, app.UIHandler(a.APIHandler(), frontend.Assets(), frontend.Built()))
	if err != nil {
		fmt.Fprintln(stderr, "llmtap serve:", err)
		shutdown()
		return 1
	}
	printBanner(stdout, a, ui, cfg)
	printExposure(stdout, ui, cfg, exposure)

	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "llmtap: stopping, storing what the capture log holds…")
	case err := <-a.Errors():
		fmt.Fprintln(stderr, "llmtap serve:", err)
		shutdown()
		return 1
	}
	stop() // a second Ctrl-C kills at once
	return shutdown()
}

func printBanner(w io.Writer, a *app.App, ui string, cfg app.Config) {
	fmt.Fprintf(w, "llmtap %s is running\n", version)
	fmt.Fprintf(w, "  proxy:     http://%s\n", a.ProxyAddr())
	fmt.Fprintf(w, "  ui:        http://%s\n", ui)
	fmt.Fprintf(w, "  data:      %s\n", a.DataDir())
	fmt.Fprintf(w, "  base URL:  %s   (paste into your client)\n", a.BaseURL())
	if ca := a.CA(); ca != nil {
		fmt.Fprintf(w, "  mitm:      on, CA %s (trust it once: llmtap ca trust-commands)\n", ca.CertPath())
		fmt.Fprintf(w, "  use it:    HTTPS_PROXY=http://%s   (llmtap ca env prints all the variables)\n", a.ProxyAddr())
	}
	if cfg.Target == "" && len(cfg.Routes) == 0 {
		fmt.Fprintf(w, "  no --target set: use http://%s/api.openai.com/v1 and the like, or restart with --target URL\n", a.ProxyAddr())
	} else if cfg.Target != "" {
		fmt.Fprintf(w, "  target:    %s\n", cfg.Target)
	}
	if g := a.Gateway(); len(g.Models()) > 0 {
		fmt.Fprintf(w, "  gateway:   %d models from %s (GET http://%s/v1/models)\n", len(g.Models()), g.Status().Path, a.ProxyAddr())
	}
	for name, url := range cfg.Routes {
		fmt.Fprintf(w, "  route:     http://%s/%s/… → %s/…\n", a.ProxyAddr(), name, strings.TrimRight(url, "/"))
	}
}

// printExposure says what guards the listeners that reach beyond this machine, and
// prints a UI token made for this start: the one place the person can read it.
func printExposure(w io.Writer, ui string, cfg app.Config, e app.Exposure) {
	if !access.Loopback(ui) {
		if e.NewUIToken != "" {
			fmt.Fprintf(w, "  ui token:  %s   (new, saved in %s; a browser asks for it once)\n",
				e.NewUIToken, filepath.Join(cfg.DataDir, app.SettingsFile))
		} else {
			fmt.Fprintln(w, "  ui token:  required beyond loopback (the one from --ui-token, LLMTAP_UI_TOKEN or settings)")
		}
	}
	if !access.Loopback(cfg.ProxyAddr) {
		fmt.Fprintln(w, "  proxy:     beyond loopback, clients need the proxy token")
	}
}
