package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"

	"github.com/llmtap/llmtap/app"
	"github.com/llmtap/llmtap/proxy"
)

const caUsage = `Usage: llmtap ca [flags] ACTION

Actions:
  path               print the CA certificate's path (creating the CA on first use)
  env                print the environment for tools to use llmtap as their HTTPS proxy
  trust-commands     print the commands that make this machine trust the CA
  untrust-commands   print the commands that remove it again
  trust, untrust     run those commands (may ask for your password)

Flags:
`

// ca handles `llmtap ca`: the CA that --mitm uses, and how to trust it.
func ca(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, caUsage); fs.PrintDefaults() }
	dataDir := fs.String("data", "", "data `folder`; default: $LLMTAP_DATA_DIR or the OS user data folder + /llmtap")
	listen := fs.String("listen", app.DefaultProxyAddr, "proxy `address` for the env action")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	action := fs.Arg(0)
	switch action {
	case "path", "env", "trust-commands", "untrust-commands", "trust", "untrust":
	default:
		fmt.Fprintf(stderr, "llmtap ca: unknown action %q\n\n", action)
		fs.Usage()
		return 2
	}
	if err := runCA(action, *dataDir, *listen, stdout); err != nil {
		fmt.Fprintln(stderr, "llmtap ca:", err)
		return 1
	}
	return 0
}

func runCA(action, dataDir, listen string, stdout io.Writer) error {
	if dataDir == "" {
		d, err := app.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = d
	}
	authority, err := proxy.LoadOrCreateCA(dataDir)
	if err != nil {
		return err
	}
	switch action {
	case "path":
		fmt.Fprintln(stdout, authority.CertPath())
		return nil
	case "env":
		bundle, err := app.WriteCABundle(dataDir, authority)
		if err != nil {
			return err
		}
		for _, e := range app.ProxyEnv(listen, authority.CertPath(), bundle) {
			if runtime.GOOS == "windows" {
				fmt.Fprintf(stdout, "$env:%s = %s\n", e.Key, strconv.Quote(e.Value))
			} else {
				fmt.Fprintf(stdout, "export %s=%s\n", e.Key, strconv.Quote(e.Value))
			}
		}
		return nil
	}
	host, err := app.LocalTrustHost()
	if err != nil {
		return err
	}
	cert := app.CACertOf(authority)
	var cmds []app.Command
	if action == "trust-commands" || action == "trust" {
		cmds, err = app.TrustCommands(host, cert)
	} else {
		cmds, err = app.UntrustCommands(host, cert)
	}
	if errors.Is(err, app.ErrTrustUnsupported) {
		return fmt.Errorf("%w: add %s to your system's trusted roots by hand", err, authority.CertPath())
	}
	if err != nil {
		return err
	}
	if action == "trust" || action == "untrust" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return app.RunCommands(ctx, cmds, os.Stdin, stdout)
	}
	for _, c := range cmds {
		fmt.Fprintf(stdout, "# %s\n%s\n", c.Why, c)
	}
	return nil
}
