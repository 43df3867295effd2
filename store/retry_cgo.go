//go:build cgo

package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// Retryable reports whether a write failed for a reason that passes (a full disk,
// an I/O error, a lock held too long) rather than for what was written: the same
// write may succeed later, so what it carried must be kept, not dropped.
func Retryable(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCantOpen,
		sqlite3.ErrNomem, sqlite3.ErrProtocol, sqlite3.ErrReadonly:
		return true
	}
	return false
}
