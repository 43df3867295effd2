// Command llmtap is the headless llmtap: `llmtap serve` runs the capture proxy and
// serves the review UI to a browser, `llmtap export` writes dataset files. It never
// links the desktop window or the tray.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `llmtap records your LLM conversations and turns them into training data.

Usage:
  llmtap serve  [flags]   run the capture proxy and the review UI
  llmtap export [flags]   write a dataset file (ShareGPT) from captured conversations
  llmtap reindex [flags]  rebuild conversations from the stored exchanges (stop serve first)
  llmtap generate [flags] fill a data folder with synthetic conversations (demos, benchmarks)
  llmtap ca ACTION        the CA for --mitm: path, env, trust-commands, trust, untrust
  llmtap version          print the version

Run "llmtap <command> -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "export":
		return runExport(args[1:], stdout, stderr)
	case "reindex":
		return reindex(args[1:], stdout, stderr)
	case "generate":
		return generate(args[1:], stdout, stderr)
	case "ca":
		return ca(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "llmtap", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "llmtap: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
