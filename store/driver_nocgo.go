//go:build !cgo

package store

import "github.com/mattn/go-sqlite3"

// setUpConn has nothing to set up without cgo: mattn/go-sqlite3's stub refuses to
// open a database there, and a build that opens none (the cross-compiled desktop
// tests, cgo_tag.go) still compiles.
func setUpConn(*sqlite3.SQLiteConn, func()) error { return nil }
