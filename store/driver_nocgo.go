//go:build !cgo

package store

import (
	"database/sql"

	"github.com/mattn/go-sqlite3"
)

// driverName is registered without cgo too, so the cross-compiled desktop tests
// (cgo_tag.go) build; mattn/go-sqlite3's stub refuses to open a database there.
const driverName = "sqlite3_llmtap"

func init() { sql.Register(driverName, &sqlite3.SQLiteDriver{}) }
