package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// errSharingViolation is ERROR_SHARING_VIOLATION, which package syscall does not name.
const errSharingViolation syscall.Errno = 32

// lockDir opens dir/LOCK with no sharing, which Windows refuses to a second opener
// until the first closes it (or dies).
func lockDir(dir string) (io.Closer, error) {
	name, err := syscall.UTF16PtrFromString(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, err
	}
	h, err := syscall.CreateFile(name, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errSharingViolation) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
		}
		return nil, fmt.Errorf("lock spool folder: %w", err)
	}
	return os.NewFile(uintptr(h), "LOCK"), nil
}
