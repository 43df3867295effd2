//go:build !windows

package spool

import (
	"errors"
	"syscall"
)

// isNotSupported reports a folder fsync the file system does not do.
func isNotSupported(err error) bool { return errors.Is(err, syscall.EINVAL) }
