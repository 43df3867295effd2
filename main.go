// Command llmtap-desktop is the llmtap desktop app: the capture proxy, the store and
// the review UI in one native window (Wails v2). Build it with
//
//	go build -tags desktop,production,webkit2_41,sqlite_fts5 -o bin/llmtap-desktop .
//
// after building the frontend (scripts/build does both). The headless binary is
// cmd/llmtap.
package main

import (
	_ "embed"
	"os"

	"github.com/llmtap/llmtap/app/desktop"
	"github.com/llmtap/llmtap/frontend"
)

//go:embed build/appicon.png
var icon []byte

func main() {
	os.Exit(desktop.Run(os.Args[1:], desktop.Resources{UI: frontend.Assets(), Icon: icon}, os.Stderr))
}
