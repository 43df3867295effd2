//go:build !cgo && !llmtap_sqlite_stub

// This file exists only in a build without cgo, and stops it, for the reason of
// fts5_tag.go: without cgo go-sqlite3 compiles to a stub, and the binary would build
// and then fail on first use ("Binary was compiled with 'CGO_ENABLED=0', go-sqlite3
// requires cgo to work"). The go command turns cgo off by itself when it finds no C
// compiler, so a plain `go install` on a machine without gcc would get that binary.
// The pattern names no file; the go command prints it while loading the package.
//
// The llmtap_sqlite_stub tag lets a build that never opens a database go through:
// scripts/test-windows cross-compiles the desktop package's tests without cgo.

package store

import "embed"

//go:embed "llmtap needs cgo for SQLite - install a C compiler (gcc; Debian build-essential) and set CGO_ENABLED=1"
var missingCgo embed.FS
