//go:build !sqlite_fts5 && !fts5

// This file exists only in a build without the sqlite_fts5 tag, and its only job is to
// stop that build. go-sqlite3 compiles SQLite without FTS5 unless it sees the tag, and
// the schema's full-text index needs FTS5: such a binary would build fine and then fail
// on first use with "no such module: fts5", and `go test ./...` would fail most tests
// the same way. The //go:embed pattern below names no file, so the go command refuses
// the package while loading it, before it compiles anything (SQLite takes a minute), and
// prints the pattern as its message:
//
//	store/fts5_tag.go:LINE:COL: pattern llmtap needs SQLite's FTS5 - add -tags sqlite_fts5 to go build, install, test or vet (scripts/env.sh sets it in GOFLAGS): no matching files found
//
// go build, go install, go test, go vet and go run all print it. A compile error (an
// undefined identifier) would come only after SQLite's compile, and Go shortens the
// strings it quotes in type errors to 72 characters.

package store

import "embed"

//go:embed "llmtap needs SQLite's FTS5 - add -tags sqlite_fts5 to go build, install, test or vet (scripts/env.sh sets it in GOFLAGS)"
var missingTagSqliteFTS5 embed.FS
